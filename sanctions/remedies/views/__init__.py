"""Pages of credit repair, objections and credit commitments, one module per audience: anyone
(``public``), an enterprise account (``account``) and agency staff on the desk (``desk``).

Thin views over the selectors (reads) and the services (writes). Uploaded files have no URL of
their own: they are served by these views, as attachments, to those allowed.
"""
