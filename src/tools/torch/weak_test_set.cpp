// weak_test_set (training.hpp): the test inputs a sound instance classifies right with the
// highest confidence, as IDX files.
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

json WeakTestSetSummary::to_json() const {
  return {{"images", images.string()},
          {"labels", labels.string()},
          {"test_size", test_size},
          {"correct", correct},
          {"kept", kept},
          {"min_confidence", io::json_number(min_confidence)}};
}

std::string WeakTestSetSummary::text() const {
  return fmt::format(
      "kept {} of {} test inputs ({} classified right; confidence >= {:.4f}) -> {}, {}\n", kept,
      test_size, correct, min_confidence, images.string(), labels.string());
}

WeakTestSetSummary run_weak_test_set(const WeakTestSetOptions& o) {
  ConfigOptions co = o;
  co.mut = "original";
  co.param.clear();
  co.layer = -1;
  const Config c = resolve(co);
  PMT_THROW_IF(c.spec.task != model::Task::kClassification || c.spec.data.format != "idx" ||
                   c.spec.inputs.size() != 1,
               kUsage, "weak_test_set: subject '{}' is not a classification subject on IDX data",
               c.model);
  PMT_THROW_IF(!(o.fraction > 0 && o.fraction <= 1), kUsage, "--fraction must be in (0, 1], got {}",
               o.fraction);
  PMT_THROW_IF(o.out.empty(), kUsage, "--out is required");
  const fs::path images_out = o.out;
  const fs::path labels_out = model::labels_for_images(images_out);
  PMT_THROW_IF(!fs::exists(model_file(c.folder, o.instance)), kData,
               "{}: missing (train the sound instance {} first: train_mutants)",
               model_file(c.folder, o.instance).string(), o.instance);

  const model::DatasetFiles files = model::locate_dataset(c.spec.dataset, c.data_dir, "test");
  const model::IdxArray images = model::read_idx(files.images),
                        labels = model::read_idx(files.labels);
  const model::Dataset test =
      model::load_dataset(files, c.spec.input_shape, c.spec.inputs.at(0).scale, c.spec.num_classes);
  const fs::path side_file = sidecar_file(c.folder, o.instance);
  const json side = json::parse(io::read_file(side_file), nullptr, false);
  PMT_THROW_IF(side.is_discarded() || !side.contains("spec"), kData, "{}: corrupt sidecar",
               side_file.string());
  const model::SubjectSpec spec = model::parse_subject(side["spec"], side_file.string());
  SubjectNet net(spec, at::make_generator<at::CPUGeneratorImpl>(0));
  load_net(net, model_file(c.folder, o.instance));

  // Softmax confidence of the predicted class, and whether it is the right one.
  const std::int64_t n = test.size();
  std::vector<double> confidence(n);
  std::vector<char> right(n);
  {
    torch::NoGradGuard no_grad;
    net.eval();
    std::vector<std::int64_t> shape{n};
    shape.insert(shape.end(), test.inputs[0].shape.begin(), test.inputs[0].shape.end());
    const torch::Tensor x =
        torch::from_blob(const_cast<float*>(test.inputs[0].x.data()), shape, torch::kFloat);
    const std::int64_t step = spec.eval_batch_size;
    for (std::int64_t start = 0; start < n; start += step) {
      const std::int64_t end = std::min(n, start + step);
      const torch::Tensor p = torch::softmax(net.logits(x.slice(0, start, end)), 1);
      const auto [top, pred] = p.max(1);
      for (std::int64_t k = start; k < end; ++k) {
        confidence[k] = top[k - start].item<double>();
        right[k] = pred[k - start].item<std::int64_t>() == test.y[k];
      }
    }
  }
  std::vector<std::int64_t> correct;
  for (std::int64_t k = 0; k < n; ++k)
    if (right[k]) correct.push_back(k);
  // the most confident first (ties: the earlier input), then back to the test set's order
  std::stable_sort(correct.begin(), correct.end(),
                   [&](std::int64_t a, std::int64_t b) { return confidence[a] > confidence[b]; });
  const auto want = static_cast<std::size_t>(std::llround(o.fraction * double(n)));
  std::vector<std::int64_t> kept(correct.begin(), correct.begin() + std::min(want, correct.size()));
  PMT_THROW_IF(kept.empty(), kData, "weak_test_set: instance {} classifies no test input right",
               o.instance);
  WeakTestSetSummary summary;
  summary.min_confidence = confidence[kept.back()];
  std::sort(kept.begin(), kept.end());

  model::IdxArray x_out{images.dims, {}}, y_out{labels.dims, {}};
  x_out.dims[0] = y_out.dims[0] = static_cast<std::int64_t>(kept.size());
  const std::size_t per = images.data.size() / static_cast<std::size_t>(n);
  for (std::int64_t k : kept) {
    x_out.data.insert(x_out.data.end(), images.data.begin() + k * per,
                      images.data.begin() + (k + 1) * per);
    y_out.data.push_back(labels.data[k]);
  }
  if (!images_out.parent_path().empty()) fs::create_directories(images_out.parent_path());
  model::write_idx(images_out, x_out);
  model::write_idx(labels_out, y_out);
  summary.images = images_out;
  summary.labels = labels_out;
  summary.test_size = n;
  summary.correct = static_cast<std::int64_t>(correct.size());
  summary.kept = static_cast<std::int64_t>(kept.size());
  return summary;
}

}  // namespace pmt::tools
