#include "common/sha256.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace bamort {

std::string Sha256Hex(std::string_view data) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(data.data(), static_cast<unsigned>(data.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

Status Sha256OfFile(const std::string& path, std::string* hex, uint64_t* size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Failed("cannot open " + path + ": " + std::strerror(errno));
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  char buf[1 << 16];
  uint64_t total = 0;
  while (in) {
    in.read(buf, sizeof buf);
    std::streamsize n = in.gcount();
    if (n > 0) {
      engine.update(buf, static_cast<unsigned>(n));
      total += static_cast<uint64_t>(n);
    }
  }
  if (in.bad()) return Status::Failed("cannot read " + path);
  *hex = Poco::DigestEngine::digestToHex(engine.digest());
  if (size) *size = total;
  return Status::Ok();
}

}  // namespace bamort
