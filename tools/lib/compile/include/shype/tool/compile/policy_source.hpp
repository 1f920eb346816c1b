// SPDX-License-Identifier: Apache-2.0
#pragma once
// shype::tool::policy_source — what an ACM policy XML says, with the line of every item.
//
// Extracted from a document that passed check_schema(), so every element the schema requires
// is there; whether the content makes sense (names unique, types known, ...) is for the
// semantic rules to decide. Names are kept verbatim.

#include <optional>
#include <string>
#include <vector>

#include <libxml/tree.h>

namespace shype::tool {

struct named {
  std::string text;
  long line = 0;
};

struct conflict_set_source {
  named name;  ///< the Conflict element's `name` attribute (line of the Conflict element)
  std::vector<named> types;
};

struct vm_label_source {
  named name;             ///< the Name element
  std::optional<named> from;  ///< its `from` attribute (a rename, Xen ACM policy update), if present
  long line = 0;          ///< the VirtualMachineLabel element
  std::vector<named> te;  ///< as listed; an empty <Type/> means "no type"
  std::vector<named> cw;
};

struct resource_label_source {
  named name;
  std::optional<named> from;  ///< as vm_label_source::from
  long line = 0;
  std::vector<named> te;
};

struct policy_source {
  std::string file;
  named policy_name;
  std::optional<named> version;  ///< absent in the 2006 dialect
  long header_line = 0;

  bool has_te = false, has_cw = false;
  long te_line = 0, cw_line = 0;
  std::vector<named> te_types, cw_types;
  std::vector<conflict_set_source> conflict_sets;

  bool has_subject_labels = false;
  named bootstrap;  ///< SubjectLabels' bootstrap attribute (line of SubjectLabels)
  std::vector<vm_label_source> vm_labels;
  std::vector<resource_label_source> resource_labels;

  /// Data of each top-level `<?shype ...?>` processing instruction (`dump --xml` writes one).
  std::vector<named> shype_instructions;
};

/// Reads a schema-valid document.
[[nodiscard]] policy_source extract_policy(xmlDocPtr doc, const std::string& file);

}  // namespace shype::tool
