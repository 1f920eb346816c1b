# SPDX-License-Identifier: Apache-2.0
# Helpers shared by the repository's own host targets (tests, tools, fuzzers).
# Nothing here touches the INTERFACE target: consumers get no flags from us.

set(SHYPE_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
                   -Wnon-virtual-dtor -Wold-style-cast -Wcast-align)
# Not -Wnull-dereference: at -O2 it reports libstdc++'s own streambuf code (GCC 12) as a null
# dereference in any TU using iostreams.
if(SHYPE_WERROR)
  list(APPEND SHYPE_WARNINGS -Werror)
endif()

# Quoted expansions: a standalone subproject (refhv) may leave SHYPE_SANITIZE undefined.
set(SHYPE_SANITIZER_FLAGS "")
if("${SHYPE_SANITIZE}" STREQUAL "address,undefined")
  set(SHYPE_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
                            -fno-omit-frame-pointer)
elseif("${SHYPE_SANITIZE}" STREQUAL "thread")
  set(SHYPE_SANITIZER_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT "${SHYPE_SANITIZE}" STREQUAL "")
  message(FATAL_ERROR "SHYPE_SANITIZE must be '', 'address,undefined' or 'thread', not '${SHYPE_SANITIZE}'")
endif()

# Warnings (and sanitizers, when configured) for a host target of this repository. Under
# ASan/UBSan an executable also gets sanitizer_defaults.cpp: a finding exits with 86, which no
# test expects, so it fails even a test that expects the program to refuse (exit 1, 2, 3).
set(SHYPE_SANITIZER_DEFAULTS ${CMAKE_CURRENT_LIST_DIR}/sanitizer_defaults.cpp)
function(shype_host_target target)
  target_compile_options(${target} PRIVATE ${SHYPE_WARNINGS} ${SHYPE_SANITIZER_FLAGS})
  target_link_options(${target} PRIVATE ${SHYPE_SANITIZER_FLAGS})
  target_compile_features(${target} PRIVATE cxx_std_20)
  get_target_property(_type ${target} TYPE)
  if(SHYPE_SANITIZE STREQUAL "address,undefined" AND _type STREQUAL "EXECUTABLE")
    target_sources(${target} PRIVATE ${SHYPE_SANITIZER_DEFAULTS})
  endif()
endfunction()

# add_test with the configured name prefix, so that several build trees can be run by one ctest.
function(shype_add_test name)
  add_test(NAME ${SHYPE_TEST_PREFIX}${name} ${ARGN})
endfunction()

# Set properties on a test added through shype_add_test.
function(shype_test_properties name)
  set_tests_properties(${SHYPE_TEST_PREFIX}${name} PROPERTIES ${ARGN})
endfunction()
