# SPDX-License-Identifier: Apache-2.0
# Every header under include/shype compiles on its own (included twice, to catch a missing
# #pragma once), once hosted with the project's warnings and once freestanding with
# -ffreestanding -fno-exceptions -fno-rtti. A failure breaks the build, which fails the test run.
# A test also checks that the library includes only freestanding standard headers and
# fine-grained Boost.Hana headers, and a program linked with -nostdlib (no libc, no libstdc++,
# no crt) runs the monitor end to end: anything needing operator new, exceptions, RTTI or a
# runtime library would fail to link.

file(GLOB_RECURSE _shype_headers RELATIVE ${PROJECT_SOURCE_DIR}/include CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/include/shype/*.hpp)

set(_hosted_srcs "")
set(_free_srcs "")
foreach(h IN LISTS _shype_headers)
  string(MAKE_C_IDENTIFIER "${h}" id)
  set(src ${CMAKE_CURRENT_BINARY_DIR}/headers/${id}.cpp)
  file(CONFIGURE OUTPUT ${src} CONTENT "#include <${h}>\n#include <${h}>\nint shype_header_check_${id}();\nint shype_header_check_${id}() { return 0; }\n")
  list(APPEND _hosted_srcs ${src})
endforeach()

add_library(shype_header_check_hosted OBJECT ${_hosted_srcs})
target_link_libraries(shype_header_check_hosted PRIVATE shype::shype)
shype_host_target(shype_header_check_hosted)

add_library(shype_header_check_freestanding OBJECT ${_hosted_srcs})
target_link_libraries(shype_header_check_freestanding PRIVATE shype::shype)
target_compile_options(shype_header_check_freestanding PRIVATE ${SHYPE_WARNINGS}
  -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics)
target_compile_features(shype_header_check_freestanding PRIVATE cxx_std_20)

shype_add_test(headers_freestanding_includes
  COMMAND ${CMAKE_COMMAND} -DINCLUDE_DIR=${PROJECT_SOURCE_DIR}/include
          -P ${CMAKE_CURRENT_SOURCE_DIR}/headers/check_includes.cmake)

# The freestanding program: x86-64 Linux only (it issues the exit system call itself).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64" AND CMAKE_SYSTEM_NAME STREQUAL "Linux" AND NOT SHYPE_SANITIZE)
  add_executable(shype_freestanding_test headers/freestanding_main.cpp)
  target_link_libraries(shype_freestanding_test PRIVATE shype::shype)
  target_include_directories(shype_freestanding_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/support)
  target_compile_features(shype_freestanding_test PRIVATE cxx_std_20)
  target_compile_options(shype_freestanding_test PRIVATE ${SHYPE_WARNINGS}
    -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-stack-protector
    -fno-asynchronous-unwind-tables -fno-pie -O2)
  target_link_options(shype_freestanding_test PRIVATE -nostdlib -static)
  shype_add_test(freestanding_program COMMAND shype_freestanding_test)
endif()
