#include "health/http_wire.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include <sstream>

namespace bamort {

size_t FindRequestHeadEnd(const std::string& buffer, size_t* start) {
  size_t pos = 0;
  while (pos < buffer.size() && (buffer[pos] == '\r' || buffer[pos] == '\n')) ++pos;
  *start = pos;
  for (;;) {
    size_t nl = buffer.find('\n', pos);
    if (nl == std::string::npos) return 0;
    size_t length = nl - pos;
    if (pos > *start && (length == 0 || (length == 1 && buffer[pos] == '\r'))) return nl + 1;
    pos = nl + 1;
  }
}

namespace {

// The framing checks Poco's reader does not make: a request must say unambiguously
// where it ends, or a proxy in front could see a different request than we do.
Status CheckFraming(const Poco::Net::HTTPRequest& r) {
  int lengths = 0;
  for (auto it = r.find(Poco::Net::HTTPMessage::CONTENT_LENGTH); it != r.end(); ++it) {
    if (Poco::icompare(it->first, Poco::Net::HTTPMessage::CONTENT_LENGTH) != 0) break;
    ++lengths;
    const std::string value = Poco::trim(it->second);
    if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string::npos) {
      return Status::BadInput("Content-Length '" + value.substr(0, 40) + "' is not a non-negative integer");
    }
  }
  if (lengths > 1) return Status::BadInput("more than one Content-Length field");
  if (lengths == 1 && r.has(Poco::Net::HTTPMessage::TRANSFER_ENCODING)) {
    return Status::BadInput("both Content-Length and Transfer-Encoding");
  }
  return Status::Ok();
}

}  // namespace

// Each header field line is "name: value" with no space before the colon and no folded
// continuation line (RFC 9112 5.1, 5.2); Poco's reader would take these without a word.
static Status CheckFieldLines(const std::string& head) {
  size_t pos = head.find('\n');  // after the request line
  while (pos != std::string::npos && pos + 1 < head.size()) {
    size_t next = head.find('\n', pos + 1);
    std::string line = head.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) {
      if (line[0] == ' ' || line[0] == '\t') return Status::BadInput("malformed request: folded header line");
      size_t colon = line.find(':');
      if (colon == 0 || colon == std::string::npos || line.find_first_of(" \t") < colon) {
        return Status::BadInput("malformed request: a header line that is not 'name: value'");
      }
    }
    pos = next;
  }
  return Status::Ok();
}

Status ParseRequestHead(const std::string& head, Poco::Net::HTTPRequest* out) {
  BAMORT_RETURN_IF_ERROR(CheckFieldLines(head));
  std::istringstream in(head);
  try {
    out->read(in);
  } catch (const Poco::Exception& e) {
    return Status::BadInput("malformed request: " + e.displayText());
  }
  const std::string& version = out->getVersion();
  if (version != Poco::Net::HTTPMessage::HTTP_1_0 && version != Poco::Net::HTTPMessage::HTTP_1_1) {
    return Status::BadInput("unsupported protocol version");
  }
  if (out->getMethod().empty() || out->getURI().empty()) return Status::BadInput("malformed request line");
  return CheckFraming(*out);
}

bool WantsKeepAlive(const Poco::Net::HTTPRequest& request) {
  if (!request.has(Poco::Net::HTTPMessage::CONNECTION)) {
    return request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1;
  }
  const std::string& c = request.get(Poco::Net::HTTPMessage::CONNECTION);
  if (Poco::icompare(c, "close") == 0) return false;
  if (request.getVersion() == Poco::Net::HTTPMessage::HTTP_1_1) return true;
  return Poco::icompare(c, "keep-alive") == 0;
}

HttpAnswer ErrorAnswer(int status, const std::string& message) {
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(true);
  o->set("status", std::string("error"));
  o->set("error", message);
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(o, out, 2);
  out << "\n";
  HttpAnswer a;
  a.status = status;
  a.content_type = "application/json; charset=utf-8";
  a.body = out.str();
  return a;
}

std::string FormatAnswer(const HttpAnswer& answer, bool head_only, bool keep_alive) {
  Poco::Net::HTTPResponse resp(Poco::Net::HTTPMessage::HTTP_1_1,
                               static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
  resp.setDate(Poco::Timestamp());
  resp.set("Server", "bamort-health");
  for (const auto& [name, value] : answer.headers) resp.set(name, value);
  if (!answer.content_type.empty()) resp.setContentType(answer.content_type);
  resp.setContentLength64(static_cast<Poco::Int64>(answer.body.size()));
  resp.setKeepAlive(keep_alive);
  std::ostringstream out;
  resp.write(out);
  if (!head_only) out << answer.body;
  return out.str();
}

}  // namespace bamort
