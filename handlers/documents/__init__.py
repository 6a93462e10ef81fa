"""Documents made from reports and minutes: a PNG chart (matplotlib), an XLSX workbook
(openpyxl) and printable minutes as PDF (fpdf2, with DejaVu Sans from matplotlib's own fonts
embedded, so that Vietnamese diacritics print right and nothing is downloaded).

An edge package: the core never imports these libraries; the channels call these functions
on what the report service returns.
"""
