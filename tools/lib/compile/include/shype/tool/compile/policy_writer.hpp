// SPDX-License-Identifier: Apache-2.0
#pragma once
// Writes a decoded policy back out: as readable text (`dump`) or as ACM policy XML that
// recompiles to the same bytes (`dump --xml`).
//
// Round trip: the XML carries `<?shype source-sha256="..."?>` with the binary's source hash,
// which the compiler keeps instead of hashing the generated XML, and every table is written
// in the binary's (sorted) order. Binaries the Xen schema cannot express (an MLS section, a
// resource label with several TE types, a section without types, VM labels without a
// bootstrap label) are refused with a reason rather than written lossily.

#include <string>

#include <shype/tool/io/decoded_policy.hpp>
#include <shype/tool/io/diagnostic.hpp>

namespace shype::tool {

/// The readable dump.
[[nodiscard]] std::string dump_text(const decoded_policy& p);

/// The XML; false (with diagnostics naming `file`) if the schema cannot express the policy.
bool dump_xml(const decoded_policy& p, const std::string& file, std::string& out, diagnostics& diag);

/// Escapes & < > " for XML text and attribute values.
[[nodiscard]] std::string xml_escape(const std::string& s);

}  // namespace shype::tool
