// The desk's record form (sanctions/templates/sanctions/record_form.html), as a static file so that
// the content security policy can refuse every inline script.
(function () {
  // After a refused save, the error summary takes the focus: a screen reader reads it first, and
  // its links lead to each field.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // The deciding authority follows the chosen agency, unless the clerk has typed something else.
  // The agencies' names and codes are in the page as JSON (json_script "agency-codes").
  var data = document.getElementById("agency-codes");
  var select = document.getElementById("id_agency");
  if (!data || !select) return;
  var codes = JSON.parse(data.textContent);
  var previous = codes[select.value];
  select.addEventListener("change", function () {
    var chosen = codes[select.value];
    [["authority_name", "name"], ["source_unit_name", "name"], ["authority_uscc", "uscc"], ["source_unit_uscc", "uscc"]]
      .forEach(function (pair) {
        var input = document.getElementById("id_" + pair[0]);
        if (input && previous && chosen && input.value === previous[pair[1]]) { input.value = chosen[pair[1]]; }
      });
    previous = chosen;
  });
})();
