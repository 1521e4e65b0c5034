// gen_acc (training.hpp): every saved instance of a configuration evaluated on a test set, the
// accuracy file in the replication package's layout.
#include <fmt/format.h>
#include "pmt/tools/training.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <dlfcn.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "common.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/core/rng.hpp"
#include "pmt/io/accuracy_csv.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/json_number.hpp"
#include "pmt/io/layout.hpp"
#include "pmt/io/number.hpp"
#include "pmt/mutate/pre_training.hpp"
#include "pmt/train/instance.hpp"
#include "pmt/train/network.hpp"

namespace pmt::tools {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace detail;
using namespace train;

json GenAccSummary::to_json() const {
  json acc = json::array();
  for (double a : accuracy) acc.push_back(io::json_number(a));
  return {{"file", file.string()}, {"instances", instances}, {"accuracy", acc}};
}

std::string GenAccSummary::text() const {
  double mean = 0;
  for (double a : accuracy) mean += a / double(accuracy.size());
  return fmt::format("{}: {} instances, mean accuracy {:.4f}\n", file.string(), instances.size(),
                     mean);
}

GenAccSummary run_gen_acc(const GenAccOptions& o) {
  keep_freed_memory();
  const Config c = resolve(o);
  // Instances present: instance_<i>.pt with its sidecar instance_<i>.json (written last); a
  // user's TorchScript instances need none.
  const std::vector<int> found = instances_in(c.folder, !o.torchscript);
  const bool targeted = !c.mutation.is_original() &&
                        mutate::find_operator(c.mutation.name).stage == mutate::Stage::kTargeted;
  PMT_THROW_IF(found.empty(), kData, "no {}instances in {} ({})",
               o.torchscript ? "TorchScript " : "trained ", c.folder.string(),
               o.torchscript ? "save them there as instance_<i>.pt with torch.jit.save"
               : targeted    ? "run " + c.mutation.name + " first"
               : c.mutation.is_post_training() ? "run mutate_model first"
                                               : "run train_mutants first");

  PMT_THROW_IF(o.split != "test" && o.split != "train", kUsage,
               "gen_acc: split must be test or train, got '{}'", o.split);
  PMT_THROW_IF(o.split == "train" && !o.test_set.empty(), kUsage,
               "gen_acc: --test-set evaluates a test set, not the training split");
  PMT_THROW_IF(!o.test_set_name.empty() && o.test_set.empty(), kUsage,
               "--test-set-name needs --test-set");
  PMT_THROW_IF(o.torchscript && o.test_set.empty(), kUsage,
               "--torchscript needs --test-set (IDX or NPY): a TorchScript model names no dataset");
  if (!o.test_set_name.empty()) check_test_set_name(o.test_set_name);
  model::Dataset test;
  if (o.split == "train") {
    test = model::load_split(c.spec, c.data_dir, "train");
  } else if (o.test_set.empty()) {
    test = model::load_split(c.spec, c.data_dir, "test");
  } else if (o.torchscript) {
    test = load_test_set(o.test_set, o.test_labels, parse_shape(o.input_shape), o.scale,
                         o.num_classes);
  } else {
    test = load_test_set(o.test_set, o.test_labels, c.spec.input_shape,
                         o.scale > 0 ? o.scale : c.spec.inputs.at(0).scale, c.spec.num_classes);
  }

  // Columns 0..max instance; a gap (an instance whose training is missing) is an empty cell.
  const int columns = found.back() + 1;
  std::vector<double> accuracy(columns, std::nan(""));
  std::vector<std::vector<std::int64_t>> predictions(columns);
  const auto [jobs, threads] = layout(o, found.size());
  pmt::Progress progress(
      "gen_acc " + c.mutation.folder() + (o.split == "train" ? " (training set)" : ""),
      found.size());
  pmt::parallel_for(
      found.size(), jobs,
      [&](std::size_t k) {
        throw_if_interrupted("no accuracy file written, rerun to evaluate");
        use_threads(threads);
        const int i = found[k];
        Instance model = o.torchscript ? Instance::load_torchscript(model_file(c.folder, i))
                                       : Instance::load_subject(model_file(c.folder, i),
                                                                sidecar_file(c.folder, i));
        accuracy[i] = model.evaluate(test, &predictions[i], o.num_classes);
      },
      o.progress ? &progress : nullptr);

  std::vector<std::string> names;
  for (int i = 0; i < columns; ++i) names.push_back(fmt::format("pred_label_model_{}", i));
  std::vector<std::vector<std::string>> rows(test.size());
  for (std::int64_t s = 0; s < test.size(); ++s) {
    rows[s].reserve(columns + 1);
    // classification: the true label; regression: the test input's index (each instance's cell
    // is then 1 when the metric counts its output as right, else 0)
    rows[s].push_back(std::to_string(test.regression() ? s : test.y[s]));
    for (int i = 0; i < columns; ++i)
      rows[s].push_back(predictions[i].empty() ? "" : std::to_string(predictions[i][s]));
  }
  GenAccSummary summary;
  const fs::path root = o.split == "train" ? fs::path(o.common.data_root) / "train_set"
                        : !o.test_set_name.empty()
                            ? fs::path(o.common.data_root) / "test_sets" / o.test_set_name
                            : fs::path(o.common.data_root);
  summary.file = io::Layout(root).accuracy_csv(c.model, c.mutation.name, c.mutation.param);
  fs::create_directories(summary.file.parent_path());
  io::remove_stale_tmp(summary.file.parent_path(), summary.file.filename().string());
  throw_if_interrupted("no accuracy file written, rerun to evaluate");
  io::write_accuracy_csv(summary.file, names, accuracy, rows);
  summary.instances = found;
  for (int i : found) summary.accuracy.push_back(accuracy[i]);
  return summary;
}

}  // namespace pmt::tools
