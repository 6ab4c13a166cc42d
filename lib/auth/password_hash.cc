#include "auth/password_hash.h"

#include <Poco/DigestEngine.h>
#include <Poco/MD5Engine.h>

namespace bamort {

std::string BamortPasswordHash(const std::string& password) {
  Poco::MD5Engine md5;
  md5.update(password);
  return Poco::DigestEngine::digestToHex(md5.digest());
}

}  // namespace bamort
