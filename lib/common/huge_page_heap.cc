#include "common/huge_page_heap.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace bamort {

void UseHugePageHeap(char** argv) {
  const char* current = std::getenv("GLIBC_TUNABLES");
  std::string tunables = current ? current : "";
  // Present after our own re-exec, or chosen by the operator (=0 turns it off).
  if (tunables.find("glibc.malloc.hugetlb") != std::string::npos) return;
  // Huge pages, and the heap kept rather than trimmed and re-faulted between the
  // entities' multi-megabyte statements.
  std::string ours =
      "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456:"
      "glibc.malloc.top_pad=67108864";
  std::string extended = tunables.empty() ? ours : tunables + ":" + ours;
  if (setenv("GLIBC_TUNABLES", extended.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Not re-executed: run on with the default heap.
  if (current) setenv("GLIBC_TUNABLES", current, 1);
  else unsetenv("GLIBC_TUNABLES");
}

}  // namespace bamort
