// libFuzzer target: see fuzz_targets.h and scripts/fuzz.sh.
#include "fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bamort::fuzz::FuzzMasterData(data, size);
  return 0;
}
