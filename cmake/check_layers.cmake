# Fails when a file in lib/<concern>/ includes a header of a concern that CMakeLists.txt did
# not declare as one of its dependencies (bamort_concern(... DEPS ...)). The linker alone would
# not notice: every concern's headers are reachable from the one include root lib/.
#
#   cmake -DLIB_DIR=<src>/lib -DLAYERS="app=auth,backup|backup=common,db|..." -DSTAMP=<file> -P check_layers.cmake
cmake_minimum_required(VERSION 3.20)
if(NOT LIB_DIR OR NOT LAYERS)
  message(FATAL_ERROR "check_layers.cmake: LIB_DIR and LAYERS are required")
endif()
string(REPLACE "|" ";" LAYERS "${LAYERS}")

set(known "")
foreach(entry IN LISTS LAYERS)
  string(REPLACE "=" ";" parts "${entry}")
  list(GET parts 0 concern)
  list(APPEND known ${concern})
endforeach()

set(problems "")
foreach(entry IN LISTS LAYERS)
  string(REPLACE "=" ";" parts "${entry}")
  list(GET parts 0 concern)
  list(LENGTH parts n)
  set(allowed ${concern})
  if(n GREATER 1)
    list(GET parts 1 deps)
    string(REPLACE "," ";" deps "${deps}")
    list(APPEND allowed ${deps})
  endif()
  file(GLOB files ${LIB_DIR}/${concern}/*.h ${LIB_DIR}/${concern}/*.cc)
  foreach(f IN LISTS files)
    file(STRINGS ${f} lines REGEX "^#include \"[a-z_]+/")
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^#include \"([a-z_]+)/.*" "\\1" target "${line}")
      if(target IN_LIST known AND NOT target IN_LIST allowed)
        file(RELATIVE_PATH rel ${LIB_DIR}/.. ${f})
        list(APPEND problems "${rel} includes ${target}/, but ${concern} does not depend on ${target}")
      endif()
    endforeach()
  endforeach()
endforeach()

# Every folder of lib/ must be a declared concern, or its files would escape the check.
file(GLOB dirs LIST_DIRECTORIES true ${LIB_DIR}/*)
foreach(d IN LISTS dirs)
  if(IS_DIRECTORY ${d})
    get_filename_component(name ${d} NAME)
    file(GLOB sources ${d}/*.cc ${d}/*.h)
    if(sources AND NOT name IN_LIST known)
      list(APPEND problems "lib/${name}/ is not declared with bamort_concern() in CMakeLists.txt")
    endif()
  endif()
endforeach()

if(problems)
  list(JOIN problems "\n  " text)
  message(FATAL_ERROR "layer check (docs/ARCHITECTURE.md) failed:\n  ${text}\n"
                      "Move the code to the right layer, or declare the dependency in CMakeLists.txt if it "
                      "really points downwards.")
endif()
if(STAMP)
  file(WRITE ${STAMP} "ok\n")
endif()
