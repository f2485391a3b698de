#!/usr/bin/env python3
"""Export a Dynaseal server's request log as JSON lines, page by page through "next_cursor".

usage: export_requests.py SERVER_URL ADMIN_TOKEN [QUERY] [PAGE_SIZE]

SERVER_URL is the server's base URL (http://127.0.0.1:8080), ADMIN_TOKEN a token from
POST /admin/v1/login. QUERY holds the request log's filters, e.g. "since=2026-11-23&tenant_id=tn_1"
(see docs/admin-api.md). PAGE_SIZE is 1 to 1000 (default 1000). Prints one request per line,
newest first. Each page starts where the one before it ended, so a page deep in the log costs
what the first one does, and rows that arrive meanwhile do not shift the pages. Python 3's
standard library only.
"""
import json
import sys
import urllib.parse
import urllib.request


def pages(server_url, admin_token, query="", page_size=1000):
    """Yields the request log's pages (their "items") until "next_cursor" is null."""
    cursor = ""
    while True:
        params = urllib.parse.parse_qsl(query) + [("limit", str(page_size)), ("cursor", cursor)]
        url = server_url.rstrip("/") + "/admin/v1/requests?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(url, headers={"Authorization": "Bearer " + admin_token})
        with urllib.request.urlopen(request, timeout=60) as response:
            page = json.load(response)
        yield page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return


def main(argv):
    if len(argv) < 3 or len(argv) > 5:
        print(__doc__, file=sys.stderr)
        return 2
    query = argv[3] if len(argv) > 3 else ""
    page_size = int(argv[4]) if len(argv) > 4 else 1000
    for items in pages(argv[1], argv[2], query, page_size):
        for item in items:
            print(json.dumps(item, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
