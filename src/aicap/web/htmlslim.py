"""The static export's HTML without the end tags HTML allows a page to leave out (issue 24:
the export's size). A browser builds the same document either way: the HTML standard says
when an element's end tag may be omitted (section 13.1.2.4, "Optional tags"), and the parser
closes the element there by itself.

Only end tags that are *immediately* followed by what closes them are dropped (``</td>``
before another cell or the end of the row, ``</tr>`` before another row or the end of the
table section, ``</li>`` before another item or the end of the list, ``</dt>``/``</dd>``
before another term or description or the end of the list, ``</thead>`` before ``<tbody>``,
``</tbody>`` before ``</table>``), with the whitespace between cells, which a table does
not draw. ``<script>``, ``<style>``, ``<pre>`` and ``<textarea>`` are left as written.
The live application's pages are not changed (their templates are the same; their bytes
are gzip-compressed on the wire)."""

from __future__ import annotations

import re

_RAW = re.compile(r"<(script|style|pre|textarea)\b.*?</\1>", re.S | re.I)
_OMIT = re.compile(
    r"</t[dh]>\s*(?=<t[dh][\s>]|</tr>)"
    r"|</tr>\s*(?=<tr[\s>]|</tbody>|</thead>|</tfoot>|</table>)"
    r"|</li>(?=<li[\s>]|</[ou]l>)"
    r"|</dt>\s*(?=<d[td][\s>])"
    r"|</dd>\s*(?=<d[td][\s>]|</dl>)"
    r"|</thead>\s*(?=<tbody[\s>])"
    r"|</tbody>\s*(?=</table>)"
)


def slim(html: str) -> str:
    """``html`` without the end tags the parser supplies by itself."""
    out: list[str] = []
    pos = 0
    for m in _RAW.finditer(html):
        out.append(_OMIT.sub("", html[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_OMIT.sub("", html[pos:]))
    return "".join(out)
