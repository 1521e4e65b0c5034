// Accuracy files in the replication package's layout (DESIGN.md, "File layout"):
//   true_label;pred_label_model_0;...;pred_label_model_199      <- header: first field
//   ...                                                            true_label / true_labels
//   ;0.9917;0.9908;...                                           <- LAST row: one accuracy each
// Only the last row is used. An empty cell (or "nan") is a missing instance (its training failed):
// it is kept as NaN here and dropped, with a note on stderr, by whoever analyses the file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pmt::io {

struct AccuracyTable {
  std::filesystem::path file;      // where it was read from (for messages)
  std::vector<std::string> names;  // one per instance (header fields after the first)
  std::vector<double> accuracy;    // same size as names; NaN = missing instance
  std::size_t missing() const;     // how many NaN cells
};

// Throws pmt::Error (data) naming the file: missing file, empty file, wrong delimiter, a last row
// whose field count differs from the header (truncated file), text that is not a number, a value
// outside [0, 1] or infinite.
AccuracyTable read_accuracy_csv(const std::filesystem::path& path);
// The same from a file's text; `where` (a file name) prefixes every message.
AccuracyTable parse_accuracy_csv(const std::string& text, const std::string& where);

// Writes the layout above atomically. `labels` (may be empty) become the leading rows: each is
// written as "<true label>;<prediction of instance 0>;..." like the reference's gen_acc scripts;
// the last row holds the accuracies (NaN written as an empty cell).
void write_accuracy_csv(const std::filesystem::path& path, const std::vector<std::string>& names,
                        const std::vector<double>& accuracy,
                        const std::vector<std::vector<std::string>>& label_rows = {});

}  // namespace pmt::io
