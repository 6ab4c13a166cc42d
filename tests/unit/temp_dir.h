// A fresh folder under /tmp for one unit test, removed with everything in it when the
// object goes away. Unit tests only; the integration tests have NewTempDir
// (tests/integration/test_support.h).
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace bamort {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "unit") {
    std::string tmpl = "/tmp/bamort-" + tag + "-XXXXXX";
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr) << tmpl;
    path_ = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace bamort
