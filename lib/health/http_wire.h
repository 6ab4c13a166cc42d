// The bytes of HTTP/1.x for bamort-health: finding the end of a request head in what a
// connection has received, parsing it (Poco's HTTPRequest reader, with its limits of 100
// header fields, 256-byte names and 8 KB values) plus the framing checks that keep a
// request unambiguous (one Content-Length, a non-negative integer, never together with
// Transfer-Encoding), and writing an answer.
//
// Pure functions on strings: no sockets, safe from any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <Poco/Net/HTTPRequest.h>

#include "common/status.h"

namespace bamort {

// What a handler answers. close: the connection is not reused afterwards (e.g. a request
// with a body that was not read).
struct HttpAnswer {
  int status = 200;
  std::string content_type;  // empty: no Content-Type
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool close = false;
};

// Largest request head (request line and header fields) bamort-health reads.
constexpr size_t kMaxRequestHeadBytes = 16 * 1024;

// Where the head in `buffer` ends (the index after its blank line), or 0 while it is
// incomplete. Empty lines before the request line are skipped (RFC 9112 2.2): *start is
// where the request line begins.
size_t FindRequestHeadEnd(const std::string& buffer, size_t* start);

// Parses a complete head. kBadInput, with a message for the 400 answer, for anything
// that is not a well-formed HTTP/1.x request or whose framing is ambiguous.
Status ParseRequestHead(const std::string& head, Poco::Net::HTTPRequest* out);

// Whether the client asked to keep the connection (HTTP/1.1 unless "Connection: close",
// HTTP/1.0 only with "Connection: keep-alive").
bool WantsKeepAlive(const Poco::Net::HTTPRequest& request);

// {"status": "error", "error": message} as JSON, with HTTP status `status`.
HttpAnswer ErrorAnswer(int status, const std::string& message);

// Status line, headers (Date, Server, Content-Length, Connection) and, unless head_only,
// the body.
std::string FormatAnswer(const HttpAnswer& answer, bool head_only, bool keep_alive);

}  // namespace bamort
