// The flags of tmr and arachne (targeted.hpp), defined once.
#include <sstream>

#include "pmt/cli/common.hpp"
#include "pmt/io/number.hpp"
#include "pmt/targeted/targeted.hpp"

namespace pmt::targeted {

namespace {

std::vector<int> parse_list(const std::string& text, const char* flag) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    out.push_back(io::parse_int(item, flag, ErrorKind::kUsage, 0));
  return out;
}

}  // namespace

void add_targeted_flags(CLI::App& app, TargetedOptions& o, TargetedFlags& f) {
  app.add_option("--model", o.model, "Subject: a built-in one (data/subjects/<model>.json)");
  app.add_option("--subject", o.subject_file, "A user's subject spec (JSON) instead")
      ->check(CLI::ExistingFile);
  app.add_option("--data-dir", o.data_dir,
                 "Folder holding the subject's dataset [default: <data-root>/datasets]");
  app.add_option("--instances", o.instances,
                 "Sound instances (trained_models/<model>/original/), e.g. 0-19 [default: every "
                 "one present]");
  app.add_option("--clusters", o.clusters,
                 "clusters.npy of `cluster` (one cluster per input of the split; -1 noise, -2 "
                 "not clustered) [default: <data-root>/clusters/<model>/clusters.npy]");
  app.add_option("--split", o.split, "The split the clusters index: train or test")
      ->check(CLI::IsMember({"train", "test"}))
      ->capture_default_str();
  app.add_option("--classes", f.classes,
                 "Classes C to target, e.g. 0,5,7 [default: every clustered class]");
  app.add_option("--cluster", f.cluster_ids,
                 "Clusters of each class to target, e.g. 0 or 0,2 [default: all of them]");
  app.add_option("--weak-test-set", o.weak_test_set,
                 "IDX images of a weak test set (weak_test_set): the accuracy drop on it beside "
                 "the drop on the whole test split (the thesis' section 5.7)")
      ->check(CLI::ExistingFile);
  app.add_option("--weak-test-labels", o.weak_test_labels,
                 "Its labels [default: images-idx3 -> labels-idx1 beside it]")
      ->check(CLI::ExistingFile);
  app.add_option("--jobs", o.jobs, "Sound instances processed at once (0: one per core)")
      ->check(pmt::cli::non_negative());
  app.add_option("--threads", o.threads, "Intra-op threads per job (0: cores / jobs)")
      ->check(pmt::cli::non_negative());
  app.add_flag("-q,--quiet", f.quiet, "No progress on stderr");
}

void finish_targeted_flags(TargetedOptions& o, const TargetedFlags& f) {
  if (!f.classes.empty()) o.classes = parse_list(f.classes, "--classes");
  if (!f.cluster_ids.empty()) o.cluster_ids = parse_list(f.cluster_ids, "--cluster");
  o.progress = !f.quiet;
}

}  // namespace pmt::targeted
