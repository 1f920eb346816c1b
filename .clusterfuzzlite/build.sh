#!/bin/bash -eu
# SPDX-License-Identifier: Apache-2.0
# ClusterFuzzLite (and OSS-Fuzz) call this inside the builder image with $CC, $CXX, $CFLAGS,
# $CXXFLAGS, $LIB_FUZZING_ENGINE, $OUT, $WORK and $SRC set; fuzz/oss-fuzz/build.sh does the rest
# (fuzzers, <target>_seed_corpus.zip, dictionaries and .options into $OUT).
SRC_ROOT=$SRC/shype "$SRC/shype/fuzz/oss-fuzz/build.sh"
