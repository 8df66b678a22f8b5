# make_root.cmake - generates the small directory tree that the busybox
# tests use as vmemu's --root (and, natively, as their working directory).
#
#   cmake -DROOT=DIR [-DBUSYBOX=/bin/busybox] [-DSTAMP=FILE] -P make_root.cmake
#
# DIR is emptied and filled with (everything deterministic, so the native
# and the vmemu runs list, sort and hash the same bytes):
#   bin/busybox                     a copy of BUSYBOX when it exists (exec
#                                   inside the root: sh runs applets by
#                                   execve("/proc/self/exe"), i.e. /bin/busybox)
#   data/numbers.txt                2000 lines "n-NNNNN" in scrambled order
#   data/words.txt                  words with duplicates and mixed case
#   data/empty data/one data/page data/page_plus data/big
#                                   0, 1, 4096, 4097 and 100000 bytes
#   a/b/c/d/deep.txt a/b/sibling.txt "a/with space.txt" empty_dir/
#   link_to_one -> data/one         a relative symbolic link
cmake_minimum_required(VERSION 3.20)
if(NOT ROOT)
  message(FATAL_ERROR "make_root.cmake: -DROOT=DIR is required")
endif()

file(REMOVE_RECURSE "${ROOT}")
file(MAKE_DIRECTORY "${ROOT}/bin" "${ROOT}/data" "${ROOT}/a/b/c/d" "${ROOT}/empty_dir")

if(BUSYBOX AND EXISTS "${BUSYBOX}")
  # The file itself, not a symbolic link to it.
  get_filename_component(real "${BUSYBOX}" REALPATH)
  get_filename_component(real_name "${real}" NAME)
  file(COPY "${real}" DESTINATION "${ROOT}/bin" USE_SOURCE_PERMISSIONS)
  if(NOT real_name STREQUAL "busybox")
    file(RENAME "${ROOT}/bin/${real_name}" "${ROOT}/bin/busybox")
  endif()
endif()

# 2000 numbers, a permutation-like scramble with some repeats.
set(numbers "")
foreach(i RANGE 1 2000)
  math(EXPR v "(${i} * 7919 + 13) % 10007")
  string(LENGTH "${v}" len)
  math(EXPR pad "5 - ${len}")
  string(REPEAT "0" ${pad} zeros)
  string(APPEND numbers "n-${zeros}${v}\n")
endforeach()
file(WRITE "${ROOT}/data/numbers.txt" "${numbers}")

file(WRITE "${ROOT}/data/words.txt"
  "pear\napple\nBanana\napple\ncherry\nbanana\nApple\ndate\npear\nfig\n"
  "elderberry\nfig\nzucchini\n10\n9\n-1\n apple with a space\n")

file(WRITE "${ROOT}/data/empty" "")
file(WRITE "${ROOT}/data/one" "x")
string(REPEAT "abcdefghijklmnop" 256 page)            # 4096 bytes
file(WRITE "${ROOT}/data/page" "${page}")
file(WRITE "${ROOT}/data/page_plus" "${page}\n")     # 4097 bytes
string(REPEAT "0123456789abcdefghijklmnopqrstuvwxyz\n" 2702 big)
string(APPEND big "0123456789abcdefghijklmno\n")      # 2702 * 37 + 26 = 100000 bytes
file(WRITE "${ROOT}/data/big" "${big}")

file(WRITE "${ROOT}/a/b/c/d/deep.txt" "four levels down\n")
file(WRITE "${ROOT}/a/b/sibling.txt" "a sibling\n")
file(WRITE "${ROOT}/a/with space.txt" "a name with a space\n")
file(CREATE_LINK "data/one" "${ROOT}/link_to_one" SYMBOLIC)

if(STAMP)
  file(WRITE "${STAMP}" "")
endif()
