// SPDX-License-Identifier: Apache-2.0
#pragma once
// Small host-side helpers of the libvirt adapter: text fields, files written atomically,
// processes. Errors are returned as text naming the file, never thrown.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shype::libvirt {

/// A field of a line-oriented file: bytes <= 0x20, 0x7f.. and '%' as %XX; "" as "-".
[[nodiscard]] std::string encode_field(const std::string& s);
/// The inverse; nullopt for a malformed escape.
[[nodiscard]] std::optional<std::string> decode_field(const std::string& s);

/// Splits at runs of blanks (space, tab).
[[nodiscard]] std::vector<std::string> split_blanks(const std::string& line);
[[nodiscard]] std::string trim(const std::string& s);

/// The whole file, or nullopt with `error` set ("PATH: reason").
[[nodiscard]] std::optional<std::string> read_text(const std::string& path, std::string& error);
[[nodiscard]] std::optional<std::vector<std::uint8_t>> read_bytes(const std::string& path, std::string& error);
/// Reads all of standard input.
[[nodiscard]] std::string read_stdin();

/// Replaces `path` atomically: write a temporary file beside it, fsync, rename, fsync the
/// directory. A crash leaves the old or the new content, never a mix. false + `error` on failure.
bool write_atomic(const std::string& path, const std::string& content, std::string& error, unsigned mode = 0644);

[[nodiscard]] bool exists(const std::string& path);
/// Creates a directory and its parents (mode 0700 for new ones); false + `error` on failure.
bool make_dirs(const std::string& path, std::string& error);

/// An absolute path with symlinks resolved if it exists, else made lexically clean
/// ("//", "/./", "/../" removed), so two spellings of one disk compare equal.
[[nodiscard]] std::string canonical_path(const std::string& path);

/// Is `pid` a live (non-zombie) process?
[[nodiscard]] bool process_alive(long pid);
/// "PID:STARTTIME" of a process (start time in clock ticks since boot, /proc/PID/stat field
/// 22): the pair names one process even after its pid is reused. "" if unknown.
[[nodiscard]] std::string process_identity(long pid);

/// The local time as "YYYY-MM-DDTHH:MM:SS".
[[nodiscard]] std::string timestamp();

/// Quotes a name for messages: 'name'.
[[nodiscard]] std::string quoted(const std::string& s);

/// A command line for messages: arguments with blanks or quotes are single-quoted.
[[nodiscard]] std::string join_command(const std::vector<std::string>& argv);

/// Runs a program (no shell) and waits; returns its exit status (-1 if it could not run) and
/// puts its combined stdout+stderr, trimmed, in `output`.
int run_program(const std::vector<std::string>& argv, std::string& output);

}  // namespace shype::libvirt
