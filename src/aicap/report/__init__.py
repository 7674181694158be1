"""Reports: the Secretary-General briefing and country profiles (HTML with Jinja2, PDF with
WeasyPrint, static SVG charts)."""
