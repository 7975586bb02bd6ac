"""A local stand-in for Elasticsearch 7 (no ES server can run here): an HTTP server that answers the REST calls
haystack's elasticsearch7 backend makes through elasticsearch-py 7.17, keeps documents in memory and records
every request (method, path, query, headers, body) so tests can check their shapes against ES 7's documented
APIs:

- ``GET /``                          product check (elasticsearch-py refuses a server that is not ES);
- ``GET /<index>/_mapping``          404 ``index_not_found_exception`` until the index exists;
- ``PUT /<index>``                   create index with ``{"settings": ...}``;
- ``PUT /<index>/_mapping``          ``{"properties": ...}``;
- ``POST /<index>/_bulk``            NDJSON action/source pairs;
- ``POST /<index>/_refresh``;
- ``POST /<index>/_search``          ``query_string`` (AND of the words), ``sort``, ``from``/``size``;
- ``DELETE /<index>/_doc/<id>``, ``POST /<index>/_delete_by_query``, ``DELETE /<index>``.

Search matching is deliberately simple (each word of the query string must occur in the document's text);
ik's segmentation is the real server's job and is not imitated.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

VERSION = "7.17.13"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def ndjson(self) -> list[dict]:
        return [json.loads(line) for line in self.body.decode().splitlines() if line.strip()]


@dataclass
class Index:
    settings: dict = field(default_factory=dict)
    mappings: dict = field(default_factory=dict)
    docs: dict[str, dict] = field(default_factory=dict)


def _words(query: str) -> list[str]:
    query = re.sub(r"\b(AND|OR|NOT)\b", " ", query)
    return [w for w in re.split(r"[\s()\"]+", query) if w and w != "*:*"]


class ES7StandIn:
    def __init__(self) -> None:
        self.indices: dict[str, Index] = {}
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self.stopped = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> ES7StandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        """Down like a crashed node: no new connections, and kept-alive ones are dropped without an answer."""
        self.stopped = True
        self.server.shutdown()
        self.server.server_close()

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    # --- the REST API -----------------------------------------------------------------------------------

    def handle(self, request: Recorded) -> tuple[int, object]:
        parts = [p for p in request.path.split("/") if p]
        if request.method in ("GET", "HEAD") and not parts:
            return 200, {
                "name": "standin",
                "cluster_name": "meihao-test",
                "version": {"number": VERSION, "build_flavor": "default", "lucene_version": "8.11.1"},
                "tagline": "You Know, for Search",
            }
        name = parts[0]
        index = self.indices.get(name)
        rest = parts[1:]
        if request.method == "PUT" and not rest:
            if index is not None:
                return 400, {"error": {"type": "resource_already_exists_exception", "index": name}, "status": 400}
            self.indices[name] = Index(settings=request.json().get("settings", {}))
            return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}
        if request.method == "DELETE" and not rest:
            if self.indices.pop(name, None) is None:
                return 404, self._missing(name)
            return 200, {"acknowledged": True}
        if index is None:
            return 404, self._missing(name)
        if rest == ["_mapping"] and request.method == "GET":
            return 200, {name: {"mappings": index.mappings}}
        if rest == ["_mapping"] and request.method == "PUT":
            index.mappings = request.json()
            return 200, {"acknowledged": True}
        if rest == ["_refresh"]:
            return 200, {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if rest == ["_bulk"]:
            return 200, self._bulk(name, index, request.ndjson())
        if rest == ["_search"]:
            return 200, self._search(name, index, request)
        if rest == ["_delete_by_query"]:
            words = _words(request.json()["query"]["query_string"]["query"])
            doomed = [i for i, d in index.docs.items() if any(d.get("django_ct") == w.split(":", 1)[-1] for w in words)]
            for doc_id in doomed:
                del index.docs[doc_id]
            return 200, {"deleted": len(doomed), "failures": []}
        if len(rest) == 2 and rest[0] == "_doc" and request.method == "DELETE":
            found = index.docs.pop(rest[1], None) is not None
            return (200 if found else 404), {
                "_index": name,
                "_id": rest[1],
                "result": "deleted" if found else "not_found",
            }
        return 400, {"error": {"type": "standin_unsupported", "reason": f"{request.method} {request.path}"}}

    @staticmethod
    def _missing(name: str) -> dict:
        return {
            "error": {"type": "index_not_found_exception", "reason": f"no such index [{name}]", "index": name},
            "status": 404,
        }

    def _bulk(self, name: str, index: Index, lines: list[dict]) -> dict:
        items = []
        for action, source in zip(lines[::2], lines[1::2], strict=True):
            ((op, meta),) = action.items()
            index.docs[meta["_id"]] = source
            items.append({op: {"_index": name, "_id": meta["_id"], "result": "created", "status": 201}})
        return {"took": 1, "errors": False, "items": items}

    def _search(self, name: str, index: Index, request: Recorded) -> dict:
        body = request.json() if request.body else {}
        query = body.get("query", {"match_all": {}})
        string = query.get("bool", {}).get("must", {}).get("query_string", {}).get("query", "*:*")
        words = _words(string)
        hits = [(i, d) for i, d in index.docs.items() if all(w in d.get("text", "") for w in words)]
        for sort in reversed(body.get("sort", [])):
            ((key, spec),) = sort.items()
            hits.sort(key=lambda hit, key=key: hit[1].get(key) or 0, reverse=spec.get("order") == "desc")
        start = int(request.query.get("from", [body.get("from", 0)])[0])
        size = int(request.query.get("size", [body.get("size", 10)])[0])
        return {
            "took": 1,
            "timed_out": False,
            "hits": {
                "total": {"value": len(hits), "relation": "eq"},
                "max_score": 1.0,
                "hits": [
                    {"_index": name, "_type": "_doc", "_id": i, "_score": 1.0, "_source": d}
                    for i, d in hits[start : start + size]
                ],
            },
        }

    def _handler_class(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                if standin.stopped:
                    self.close_connection = True
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Recorded(self.command, url.path, parse_qs(url.query), headers, body)
                with standin.lock:
                    standin.requests.append(request)
                    status, payload = standin.handle(request)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        return Handler
