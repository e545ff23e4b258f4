// Progressive enhancement for forms that do something that cannot be undone (revoke a badge,
// record that a staff member left). Without JavaScript such a form leads to a confirmation page;
// with it, a form carrying data-confirm asks in the browser's own dialog and, once the person
// agrees, submits as confirmed (its hidden "confirmed" field set), skipping that page.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute("data-confirm");
  if (!message) return;
  if (!window.confirm(message)) {
    event.preventDefault();
    return;
  }
  var flag = form.querySelector('input[name="confirmed"]');
  if (flag) flag.value = "1";
});
