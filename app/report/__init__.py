"""Output formats for a scan report: text for people, json, sarif, GitHub workflow commands,
Markdown and self-contained HTML (app.report.combined puts several reports in one output), and
the pages and badge the app serves (app.report.html)."""
