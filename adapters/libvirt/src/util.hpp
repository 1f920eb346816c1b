// SPDX-License-Identifier: Apache-2.0
#pragma once
// Small host-side helpers of the libvirt adapter: text fields, files written atomically,
// processes. Errors are returned as error.hpp's error, naming the file, never thrown.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "error.hpp"

namespace shype::libvirt {

/// A field of a line-oriented file: bytes <= 0x20, 0x7f.. and '%' as %XX; "" as "-".
[[nodiscard]] std::string encode_field(const std::string& s);
/// The inverse; nullopt for a malformed escape.
[[nodiscard]] std::optional<std::string> decode_field(const std::string& s);

/// Untrusted text (a domain name, a path, libvirt's or virsh's words) made fit for one line of
/// the decision log or of printed output: C0 controls, DEL, the C1 controls and U+2028/U+2029
/// (which some viewers break lines at), backslash, and bytes that are not UTF-8 become escapes
/// (\n \r \t \\ \xHH \u2028), so a record is always one line and reads one way: a name holding
/// "\n2026-... admitted ..." cannot forge a second record.
[[nodiscard]] std::string one_line(const std::string& s);

/// Splits at runs of blanks (space, tab).
[[nodiscard]] std::vector<std::string> split_blanks(const std::string& line);
[[nodiscard]] std::string trim(const std::string& s);

/// The largest file or standard input the adapter reads (configuration, label map, state,
/// policy, libvirt's records and the XML libvirt passes a hook): 16 MiB.
inline constexpr std::size_t max_input_bytes = std::size_t{16} << 20;

/// The whole file, or an error ("PATH: reason"); a file larger than max_input_bytes, a
/// directory or anything but a regular file (a FIFO would hang) is an error.
[[nodiscard]] result<std::string> read_text(const std::string& path);
[[nodiscard]] result<std::vector<std::uint8_t>> read_bytes(const std::string& path);
/// Reads all of standard input (always to its end, so the writer never blocks); an error if it
/// holds more than max_input_bytes or cannot be read.
[[nodiscard]] result<std::string> read_stdin();

/// Replaces `path` atomically: write a temporary file beside it, fsync, rename, fsync the
/// directory. A crash leaves the old or the new content, never a mix; a failure leaves the old
/// file and removes the temporary one. Whatever stands at PATH (a FIFO, a symbolic link) is
/// replaced, never written through. The temporary name is fixed, PATH.tmp.PID: writers hold
/// the state directory's lock, so no two share it, and the tests make a write fail on purpose
/// by putting a directory there (ChangeCommit.AFailedStateWriteLeavesTheOldPolicyAndTheOldState,
/// hook_test.sh).
/// Not merged with the tool's write_file_atomic (<shype/tool/io/atomic_file.hpp>) on purpose: that
/// one writes a non-regular target in place and follows a link to its target, which is right
/// for a CLI's output (-o /dev/stdout) but would make a root hook block on a FIFO or write
/// where a planted link points (test Util.AnAtomicWriteReplacesWhatStandsInThePlaceOfTheFile);
/// its random temporary name would also take away the tests' way to fail the state write.
[[nodiscard]] status write_atomic(const std::string& path, const std::string& content, unsigned mode = 0644);
/// Renames `from` to `to` (replacing it) and fsyncs the directory.
[[nodiscard]] status rename_durably(const std::string& from, const std::string& to);

/// Appends `text` to a log file in one write, under an exclusive flock on the file. A log
/// that would grow past `limit` bytes is first renamed to PATH.1 (replacing the previous one)
/// and started afresh, so the log takes at most about 2 x `limit` on disk.
[[nodiscard]] status append_log(const std::string& path, const std::string& text, std::size_t limit);

/// Moves `path` aside to a new name PATH.TAG-STAMP-PID-N (STAMP: UTC with nanoseconds, so
/// names sort by age; N counts up until a name is free: the move never replaces a file), then
/// deletes the oldest such copies beyond the newest `keep`. The new name, or an error.
[[nodiscard]] result<std::string> move_aside(const std::string& path, const std::string& tag, std::size_t keep);

[[nodiscard]] bool exists(const std::string& path);
/// Creates a directory and its parents (mode 0700 for new ones).
[[nodiscard]] status make_dirs(const std::string& path);

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

/// The most of a program's output run_program keeps (the rest is read and dropped): 64 KiB.
inline constexpr std::size_t max_program_output = std::size_t{64} << 10;

struct program_result {
  int status = -1;     ///< its exit status; -1 if it could not run or was killed
  std::string output;  ///< its combined stdout+stderr, trimmed and cut to max_program_output
};
/// Runs a program (no shell) and waits for it.
[[nodiscard]] program_result run_program(const std::vector<std::string>& argv);

}  // namespace shype::libvirt
