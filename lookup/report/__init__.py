"""The credit report: a PDF "public credit information summary" (公共信用信息概要) that anyone can
verify later.

What is signed: the QR code that carries the signature is printed inside the PDF, so the signature
cannot cover the PDF's own bytes. It covers the report number and the SHA-256 of the report's
*content* — a canonical JSON of everything the PDF shows (number, time of issue, the enterprise's
registration facts, its standing, every public record as masked for the public). The content is
stored with the report, so the verification page can recompute its checksum, and the SHA-256 of
the PDF as issued is stored too, so that a person can upload a file and learn whether it is the
one the registry issued, unaltered.

- ``content``: what the report shows, and its checksum;
- ``tokens``: the signed token the QR code carries;
- ``layout``: the PDF;
- ``services``: issue a report, verify a token or an uploaded file.
"""
