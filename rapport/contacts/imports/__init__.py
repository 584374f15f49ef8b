"""Importing contacts and companies from CSV, Excel .xlsx and vCard files.

- ``readers``, ``vcard``: files as streams of rows (encoding, delimiter, header, bad rows reported per row);
- ``mapping``: what each column can go to, and the automatic mapping of common exports' columns;
- ``prepare``: a row to cleaned values with the services' cleaning (pure; runs in worker processes);
- ``writer``/``updates``/``bulk``: batches written with bulk SQL (creates, updates, companies and tags);
- ``runner``: the background run, batch by batch, crash-safe and resumable;
- ``undo``: deleting what an import created and restoring what it updated;
- ``services``/``selectors``: the job's life (upload, configure, preview, start, undo) and its reads;
- ``report``: the per-row report as CSV; ``uploads``: streaming uploads to disk with a size limit.
"""
