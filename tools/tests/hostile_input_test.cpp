// SPDX-License-Identifier: Apache-2.0
// The tool under hostile inputs and a hostile environment (issue 11, section 2): a directory, a
// pipe, a device or an oversized file where a file is expected; DTDs and entities; UTF-16 and
// invalid UTF-8; names that would break a diagnostic line or Xen's label format; versions the
// schema cannot write; outputs that cannot be written. Each is a one-line error (or a lint),
// the usual exit code, never an abort, and never a lost old file.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <ostream>
#include <set>

#include <shype/policy_builder.hpp>

#include <shype/tool/io/fd_output.hpp>
#include <shype/tool/analysis/policy_diff.hpp>
#include "test_support.hpp"

namespace shype::tool::test {
namespace {

std::string dir() {
  const std::string d = scratch_dir() + "/hostile/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::create_directories(d);
  return d;
}

std::string golden_path() { return data_dir() + "/golden.xml"; }

/// `text` written as `name` in the test's directory; its path.
std::string file(const std::string& name, const std::string& text) {
  const std::string p = dir() + "/" + name;
  spit(p, text);
  return p;
}

TEST(HostileInput, ADirectoryWhereAFileIsExpectedIsAOneLineErrorForEveryCommand) {
  const std::string d = dir();
  const std::string is_dir = d + ": is a directory, not a file\n";
  const std::string g = golden_path();
  struct one {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<one> cases = {
      {{"check", d}, is_dir + "1 error\n"},
      {{"compile", d, "-o", d + "/out.bin"}, is_dir},
      {{"compile", g, "-o", d}, is_dir},
      {{"dump", d}, is_dir},
      {{"dump", "--xml", d}, is_dir},
      {{"dump", g, "-o", d}, is_dir},
      {{"diff", d, g}, is_dir},
      {{"diff", g, d}, is_dir},
      {{"graph", d}, is_dir},
      {{"graph", g, "-o", d}, is_dir},
      {{"export-selinux", d}, is_dir},
      {{"export-selinux", g, "-o", d}, is_dir},
      {{"simulate", d, g}, is_dir},
      {{"simulate", g, d}, is_dir},
  };
  for (const auto& c : cases) {
    const auto r = shype(c.args);
    EXPECT_EQ(r.rc, exit_invalid) << c.args[0] << " " << c.args[1];
    EXPECT_EQ(r.err, c.err) << c.args[0] << " " << c.args[1];
  }
  EXPECT_FALSE(std::filesystem::exists(d + "/out.bin"));
}

TEST(HostileInput, APipeADeviceOrAnOversizedFileIsRefusedBeforeReading) {
  const std::string d = dir();
  const std::string fifo = d + "/fifo";
  std::filesystem::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto r = shype({"check", fifo});  // a plain open would wait for a writer forever
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, fifo + ": is a named pipe (FIFO), not a regular file\n1 error\n");
  r = shype({"dump", "/dev/zero"});  // would never end
  EXPECT_EQ(r.err, "/dev/zero: is a character device, not a regular file\n");
  const std::string big = d + "/big.xml";
  spit(big, "<");
  std::filesystem::resize_file(big, (std::size_t{32} << 20) + 1);  // sparse: costs no disk
  r = shype({"check", big});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, big + ": is larger than 32 MiB, the limit for an input file\n1 error\n");
  r = shype({"check", d + "/missing.xml"});
  EXPECT_EQ(r.err, d + "/missing.xml: cannot open: No such file or directory\n1 error\n");
}

// --- DTDs and entities: refused before any declaration is read ------------------------------

std::string with_doctype(const std::string& doctype) {
  return mutate(golden(), "<SecurityPolicyDefinition xmlns=", doctype + "\n<SecurityPolicyDefinition xmlns=");
}

TEST(HostileInput, AnInternalEntityIsRefusedAtItsDoctypeNotExpanded) {
  // 20,000 references to a 100 KB entity once took 21 s and 3.9 GB before the policy was rejected.
  const std::string big(100000, 'a');
  std::string xml = with_doctype("<!DOCTYPE SecurityPolicyDefinition [\n<!ENTITY big \"" + big + "\">\n]>");
  std::string refs;
  for (int i = 0; i < 20000; ++i) refs += "&big;";
  xml = mutate(xml, "<Date>2026-01-01</Date>", "<Date>" + refs + "</Date>");
  const auto r = compile_text(xml, "p.xml");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(lines(r.diag), (std::vector<std::string>{
                               "p.xml:3: XML: <!DOCTYPE SecurityPolicyDefinition>: a DTD is not allowed in a policy (shype reads no DTD, "
                               "expands no entities and loads no other file)"}));
}

TEST(HostileInput, AnExternalEntityIsRefusedNotReadAsEmpty) {
  const std::string xml = mutate(with_doctype("<!DOCTYPE SecurityPolicyDefinition [ <!ENTITY x SYSTEM \"file:///etc/passwd\"> ]>"),
                                 "<Type>Ads</Type>\n    </SimpleTypeEnforcementTypes>", "<Type>&x;</Type>\n    </SimpleTypeEnforcementTypes>");
  const auto r = compile_text(xml, "p.xml");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(lines(r.diag), (std::vector<std::string>{
                               "p.xml:3: XML: <!DOCTYPE SecurityPolicyDefinition>: a DTD is not allowed in a policy (shype reads no DTD, "
                               "expands no entities and loads no other file)"}));
  // Through the command line too: a located error, exit 3.
  const auto c = shype({"check", file("external.xml", xml)});
  EXPECT_EQ(c.rc, exit_invalid);
  EXPECT_EQ(c.err, dir() + "/external.xml:3: XML: <!DOCTYPE SecurityPolicyDefinition>: a DTD is not allowed in a policy (shype reads no "
                           "DTD, expands no entities and loads no other file)\n1 error\n");
}

TEST(HostileInput, AnExternalDtdIsRefusedNotFetched) {
  const auto r = compile_text(with_doctype("<!DOCTYPE SecurityPolicyDefinition SYSTEM \"http://127.0.0.1:9/acm.dtd\">"), "p.xml");
  EXPECT_EQ(lines(r.diag), (std::vector<std::string>{
                               "p.xml:3: XML: <!DOCTYPE SecurityPolicyDefinition>: a DTD is not allowed in a policy (shype reads no DTD, "
                               "expands no entities and loads no other file)"}));
}

TEST(HostileInput, AnUndeclaredEntityIsAnError) {
  const auto r = compile_text(mutate(golden(), "<Type>Ads</Type>\n    </SimpleTypeEnforcementTypes>", "<Type>&x;</Type>\n    </SimpleTypeEnforcementTypes>"),
                              "p.xml");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(lines(r.diag), (std::vector<std::string>{"p.xml:13: XML: Entity 'x' not defined"}));
}

// --- encodings ------------------------------------------------------------------------------

/// `ascii` as UTF-16 or UTF-32 with the byte order given, with or without a byte-order mark.
std::string widened(const std::string& ascii, int width, bool big_endian, bool bom) {
  std::string out;
  auto put = [&](std::uint32_t c) {
    for (int i = 0; i < width; ++i) {
      const int shift = 8 * (big_endian ? width - 1 - i : i);
      out += static_cast<char>((c >> shift) & 0xFF);
    }
  };
  if (bom) put(0xFEFF);
  for (char c : ascii) put(static_cast<unsigned char>(c));
  return out;
}

TEST(HostileInput, Utf16AndUtf32AreNamedAsSuch) {
  const std::string g = golden();
  struct one {
    std::string text, encoding, family;
  };
  const std::vector<one> cases = {
      {widened(g, 2, false, true), "UTF-16 (little-endian)", "UTF-16"},
      {widened(g, 2, true, true), "UTF-16 (big-endian)", "UTF-16"},
      {widened(g, 2, false, false), "UTF-16 (little-endian)", "UTF-16"},
      {widened(g, 4, false, true), "UTF-32 (little-endian)", "UTF-32"},
      {widened(g, 4, true, false), "UTF-32 (big-endian)", "UTF-32"},
  };
  for (const auto& c : cases) {
    const std::string p = file("wide.xml", c.text);
    const std::string msg = p + ": the file is " + c.encoding + " text; a policy must be UTF-8 XML or a compiled binary (convert it: iconv -f " +
                            c.family + " -t UTF-8)\n";
    auto r = shype({"check", p});
    EXPECT_EQ(r.rc, exit_invalid);
    EXPECT_EQ(r.err, msg + "1 error\n");
    r = shype({"compile", p, "-o", dir() + "/wide.bin"});
    EXPECT_EQ(r.rc, exit_invalid);
    EXPECT_EQ(r.err, msg + "1 error\n");
    r = shype({"dump", p});
    EXPECT_EQ(r.err, msg);
  }
  // UTF-8 with its byte-order mark is UTF-8.
  EXPECT_EQ(shype({"check", file("bom8.xml", "\xEF\xBB\xBF" + g)}).rc, exit_ok);
}

TEST(HostileInput, InvalidUtf8IsOneDiagnosticOnOneLine) {
  const auto r = shype({"check", file("bad-utf8.xml", mutate(golden(), "<PolicyName>golden", "<PolicyName>gold\xFF\xFE"))});
  EXPECT_EQ(r.rc, exit_invalid);
  ASSERT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')),
            dir() + "/bad-utf8.xml:5: XML: Input is not proper UTF-8, indicate encoding ! Bytes: 0xFF 0xFE 0x3C 0x2F");
}

TEST(HostileInput, ANameCannotStartASecondDiagnosticLine) {
  const auto r = compile_text(mutate(golden(), "<PolicyName>golden", "<PolicyName>gold&#10;forged error"), "p.xml");
  EXPECT_EQ(lines(r.diag), (std::vector<std::string>{"p.xml:5: PolicyName: policy name \"gold\\nforged error\" contains a control character"}));
  EXPECT_EQ(r.diag.text(), "p.xml:5: PolicyName: policy name \"gold\\nforged error\" contains a control character\n");
}

// --- Xen's label format: a lint ---------------------------------------------------------------

TEST(HostileInput, CheckWarnsAboutAColonInALabelName) {
  const std::string xml = mutate(mutate(golden(), "<Name>res_Ads</Name>", "<Name>res:Ads</Name>"), "<PolicyName>golden", "<PolicyName>acm:golden");
  const std::string p = file("colon.xml", xml);
  auto r = shype({"check", p});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.err, p + ":5: PolicyName: warning: policy name \"acm:golden\" contains ':': Xen's toolstack writes labels as ACM:POLICY:LABEL "
                       "and cannot use it\n" +
                       p + ":77: Name: warning: resource label name \"res:Ads\" contains ':': Xen's toolstack writes labels as "
                           "ACM:POLICY:LABEL and cannot use it\n");
  EXPECT_EQ(r.out.rfind("OK: ", 0), 0u);
  // A binary has no lines; the lint names the file.
  const std::string bin = dir() + "/colon.bin";
  ASSERT_EQ(shype({"compile", p, "-o", bin}).rc, exit_ok);
  r = shype({"check", bin});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.err, bin + ": warning: policy name \"acm:golden\" contains ':': Xen's toolstack writes labels as ACM:POLICY:LABEL and cannot use it\n" +
                       bin + ": warning: resource label name \"res:Ads\" contains ':': Xen's toolstack writes labels as ACM:POLICY:LABEL and "
                             "cannot use it\n");
  // The golden policy has no such name: no warning.
  EXPECT_EQ(shype({"check", golden_path()}).err, "");
}

// --- dump --xml of versions at the edges --------------------------------------------------------

std::string binary_with_version(std::uint32_t major, std::uint32_t minor) {
  auto b = std::make_unique<shype::policy_builder<>>("edge", shype::policy_version{major, minor});
  const auto t = b->te_type("T").value();
  (void)b->vm_label("boot", {t}, {}).value();
  b->bootstrap("boot");
  std::vector<std::uint8_t> out(b->size());
  EXPECT_TRUE(b->build(out.data(), out.size()));
  const std::string p = dir() + "/v" + std::to_string(major) + "." + std::to_string(minor) + ".bin";
  spit(p, std::string(out.begin(), out.end()));
  return p;
}

TEST(HostileInput, DumpXmlRoundTripsEveryVersionTheSchemaCanWrite) {
  for (const auto& [major, minor] : std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0, 0}, {99999999, 99999999}, {0, 99999999}, {1, 0}}) {
    const std::string bin = binary_with_version(major, minor);
    const std::string xml = bin + ".xml", again = bin + ".again";
    ASSERT_EQ(shype({"dump", "--xml", bin, "-o", xml}).rc, exit_ok);
    const auto c = shype({"compile", xml, "-o", again});
    ASSERT_EQ(c.rc, exit_ok) << c.err;
    EXPECT_EQ(slurp(bin), slurp(again)) << major << "." << minor;
  }
}

TEST(HostileInput, DumpXmlRefusesAVersionTheSchemaCannotWrite) {
  for (const auto& [major, minor] :
       std::vector<std::pair<std::uint32_t, std::uint32_t>>{{4294967295u, 4294967295u}, {100000000, 0}, {0, 100000000}}) {
    const std::string bin = binary_with_version(major, minor);
    const auto r = shype({"dump", "--xml", bin});
    EXPECT_EQ(r.rc, exit_invalid);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, bin + ": cannot be written as ACM policy XML: version " + std::to_string(major) + "." + std::to_string(minor) +
                         " does not fit the schema's VersionFormat (at most 8 digits each: 99999999.99999999)\n");
    EXPECT_EQ(shype({"dump", bin}).rc, exit_ok);  // the text dump shows any version
  }
}

// --- outputs that grow with the square of a policy ---------------------------------------------

/// A policy of `n` VM labels; label i holds TE type `type_of(i)`.
std::string many_labels(std::size_t n, const std::function<std::string(std::size_t)>& type_of) {
  std::set<std::string> types;
  for (std::size_t i = 0; i < n; ++i) types.insert(type_of(i));
  std::string x = "<SecurityPolicyDefinition xmlns=\"http://www.ibm.com\"><PolicyHeader><PolicyName>many</PolicyName><Version>1.0</Version>"
                  "</PolicyHeader><SimpleTypeEnforcement><SimpleTypeEnforcementTypes>";
  for (const auto& t : types) x += "<Type>" + t + "</Type>";
  x += "</SimpleTypeEnforcementTypes></SimpleTypeEnforcement><SecurityLabelTemplate><SubjectLabels bootstrap=\"l0\">";
  for (std::size_t i = 0; i < n; ++i)
    x += "<VirtualMachineLabel><Name>l" + std::to_string(i) + "</Name><SimpleTypeEnforcementTypes><Type>" + type_of(i) +
         "</Type></SimpleTypeEnforcementTypes></VirtualMachineLabel>\n";
  return x + "</SubjectLabels></SecurityLabelTemplate></SecurityPolicyDefinition>\n";
}

TEST(HostileInput, GraphDrawsAtMostTheLimitOfPairEdges) {
  auto same = [](std::size_t) { return std::string("T"); };
  // 141 labels: 9870 pairs share, all drawn.
  auto r = shype({"graph", file("141.xml", many_labels(141, same))});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.err, "");
  std::size_t edges = 0;
  for (std::size_t at = 0; (at = r.out.find("may share: T", at)) != std::string::npos; ++at) ++edges;
  EXPECT_EQ(edges, 141u * 140u / 2);
  // 142 labels: 10011 pairs, more than 10000: those edges are left out, with a warning.
  const std::string p = file("142.xml", many_labels(142, same));
  r = shype({"graph", p});
  EXPECT_EQ(r.rc, exit_ok);
  EXPECT_EQ(r.err, p + ": warning: more than 10000 pairs of VM labels may share: those edges are left out (labels are still joined to their types)\n");
  EXPECT_EQ(r.out.find("tooltip=\"may share"), std::string::npos);
  EXPECT_NE(r.out.find("  // more than 10000 pairs of VM labels may share: those edges are left out"), std::string::npos);
  EXPECT_NE(r.out.find("\"te:T\" -- \"vm:l141\""), std::string::npos);  // membership is complete
}

TEST(HostileInput, DiffListsAtMostTheLimitOfPairLines) {
  // 450 labels sharing one type, then each alone: 101025 pairs lose sharing.
  const std::string before = file("before.xml", many_labels(450, [](std::size_t) { return std::string("T"); }));
  const std::string after = file("after.xml", many_labels(450, [](std::size_t i) { return "T" + std::to_string(i); }));
  const auto r = shype({"diff", before, after});
  EXPECT_EQ(r.rc, exit_differs);
  std::size_t forbid = 0;
  for (std::size_t at = 0; (at = r.out.find("\nforbid   share ", at)) != std::string::npos; ++at) ++forbid;
  EXPECT_EQ(forbid, max_diff_pair_lines);
  const std::string last = "...      the list of pairs stops at 100000 lines (the limit of a diff); more pairs may differ\n";
  ASSERT_GE(r.out.size(), last.size());
  EXPECT_EQ(r.out.substr(r.out.size() - last.size()), last);
  EXPECT_NE(r.out.find("changed  VM label \"l449\": te \"T\"; cw - -> te \"T449\"; cw -\n"), std::string::npos);  // complete
}

// --- outputs that cannot be written ----------------------------------------------------------

TEST(HostileInput, AFailedWriteToStandardOutputIsReportedForEveryCommand) {
  const std::string g = golden_path();
  const std::string trace = file("trace.txt", "create a dom_Idle\n");
  const std::vector<std::vector<std::string>> cases = {
      {"check", g}, {"dump", g}, {"dump", "--xml", g}, {"diff", g, data_dir() + "/two-errors.xml"}, {"diff", g, g},
      {"graph", g}, {"export-selinux", g}, {"simulate", g, trace}, {"compile", g, "-o", dir() + "/g.bin"}, {"check", "--help"},
  };
  for (const auto& args : cases) {
    const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    {
      fd_output full(fd);
      std::ostream out(&full);
      std::ostringstream err;
      const int rc = run_shype(args, out, err);
      EXPECT_EQ(rc, exit_invalid) << args[0] << " " << args[1];
      const std::string e = err.str();
      // diff of a broken policy fails for its own reason first; the others only for the output.
      if (args[0] != "diff" || args[2] == g) {
        EXPECT_EQ(e, "shype " + args[0] + ": cannot write standard output: No space left on device\n") << args[0] << " " << args[1];
      }
    }
    ::close(fd);
  }
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  fd_output full(fd);
  std::ostream out(&full);
  std::ostringstream err;
  EXPECT_EQ(run_shype({"--help"}, out, err), exit_invalid);
  EXPECT_EQ(err.str(), "shype: cannot write standard output: No space left on device\n");
  ::close(fd);
}

TEST(HostileInput, AnOutputFileThatCannotBeWrittenLeavesTheOldOne) {
  std::filesystem::remove_all(dir());
  const std::string d = dir();
  const std::string g = golden_path();
  auto r = shype({"compile", g, "-o", "/dev/full"});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, "/dev/full: cannot write: No space left on device\n");
  r = shype({"compile", g, "-o", d + "/no/such/dir/out.bin"});
  EXPECT_EQ(r.rc, exit_invalid);
  EXPECT_EQ(r.err, d + "/no/such/dir/out.bin: cannot create a temporary file in " + d + "/no/such/dir: No such file or directory; nothing was written\n");
  // Replacing: the new file appears whole, the old mode is kept, nothing else is left beside it.
  const std::string out = d + "/out.bin";
  spit(out, "old");
  ASSERT_EQ(::chmod(out.c_str(), 0640), 0);
  ASSERT_EQ(shype({"compile", g, "-o", out}).rc, exit_ok);
  EXPECT_EQ(slurp(out).size(), 504u);
  struct stat st {};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  std::size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(d)) files += e.is_regular_file() ? 1u : 0u;
  EXPECT_EQ(files, 1u);
  // Through a symbolic link, the file it names is replaced and the link stays a link.
  const std::string link = d + "/link.bin";
  std::filesystem::remove(link);
  std::filesystem::create_symlink(out, link);
  ASSERT_EQ(shype({"dump", g, "-o", link}).rc, exit_ok);
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(slurp(out).rfind("policy: golden\n", 0), 0u);
}

}  // namespace
}  // namespace shype::tool::test
