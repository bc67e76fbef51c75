# mota_warnings(target): the project's warning set; errors when MOTA_WERROR is on.
function(mota_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
    # GCC 12 reports false positives for std::string concatenation at -O3 (GCC bug 105329).
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  if(MOTA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# mota_library(NAME SRCS ... DEPS ...): a static library with the project's warnings and include root.
function(mota_library name)
  cmake_parse_arguments(ARG "OBJECT" "" "SRCS;DEPS;PUBLIC_INCLUDES" ${ARGN})
  if(ARG_OBJECT)
    add_library(${name} OBJECT ${ARG_SRCS})
  else()
    add_library(${name} STATIC ${ARG_SRCS})
  endif()
  target_include_directories(${name} PUBLIC ${ARG_PUBLIC_INCLUDES})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  mota_warnings(${name})
endfunction()

# mota_test(NAME SRCS ... DEPS ... [LABELS ...]): a GoogleTest binary registered with ctest.
function(mota_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  mota_warnings(${name})
  target_compile_definitions(${name} PRIVATE
    MOTA_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    MOTA_SHARED_DIR="${MOTA_SHARED_DIR}"
    MOTA_TESTDATA_DIR="${MOTA_TESTDATA_DIR}"
    MOTA_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "${ARG_LABELS}")
endfunction()

# MOTA_FUZZ=ON (clang only): everything is built with ASan + UBSan and libFuzzer's coverage, so
# the parsers the fuzz targets call are instrumented too; UBSan findings abort like crashes.
if(MOTA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MOTA_FUZZ needs clang (libFuzzer), got ${CMAKE_CXX_COMPILER_ID}")
  endif()
  add_compile_options(-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
endif()

# mota_fuzz(NAME SRCS ... DEPS ...): a libFuzzer binary (MOTA_FUZZ=ON). The sources define their
# entry point with MOTA_FUZZ_TARGET (tests/fuzz/fuzz_target.h), so the ordinary test suite can
# replay the same code over the saved corpus without clang.
function(mota_fuzz name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_compile_definitions(${name} PRIVATE MOTA_LIBFUZZER=1)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  mota_warnings(${name})
endfunction()
