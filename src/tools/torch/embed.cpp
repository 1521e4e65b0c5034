// embed (tools/embed.hpp): the VAE codes of a subject's split, written with a sidecar.
#include "pmt/tools/embed.hpp"
#include "pmt/tools/subject.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "pmt/cluster/search.hpp"
#include "pmt/core/error.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/core/rng.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/train/runtime.hpp"

namespace pmt::tools {

using namespace train;
namespace fs = std::filesystem;

nlohmann::json EmbedSummary::to_json() const {
  nlohmann::json j = sidecar_json;
  j["npy"] = npy.string();
  j["sidecar"] = sidecar.string();
  j["skipped"] = skipped;
  return j;
}

std::string EmbedSummary::text() const {
  if (skipped) return npy.string() + ": already made with these options (kept)\n";
  std::string out;
  const auto& options = sidecar_json.at("options");
  for (const auto& v : sidecar_json.at("vaes")) {
    const std::string who =
        v.contains("class") ? "class " + std::to_string(v.at("class").get<int>()) + ": " : "";
    out +=
        fmt::format("{}{} inputs: loss {:.2f} -> {:.2f} per input over {} epochs ({}), {:.1f} s\n",
                    who, v.at("inputs").get<long long>(), v.at("first_epoch_loss").get<double>(),
                    v.at("last_epoch_loss").get<double>(), options.at("epochs").get<int>(),
                    v.at("loss").get<std::string>(), v.at("seconds").get<double>());
  }
  return out + fmt::format("latent codes ({} x {}) in {}\n",
                           sidecar_json.at("inputs").get<long long>(),
                           sidecar_json.at("latent").get<int>(), npy.string());
}

EmbedSummary run_embed(const EmbedOptions& given) {
  EmbedOptions o = given;
  o.vae.seed = o.common.seed;
  o.vae.threads = o.common.proc;
  PMT_THROW_IF(o.per != "all" && o.per != "class", kUsage, "--per: all or class, got '{}'", o.per);
  const cluster::Scaling scaling = cluster::parse_scaling(o.scaling);
  const Subject subject = find_subject(o.model, o.subject_file, o.data_dir, o.common);
  const model::SubjectSpec& spec = subject.spec;
  const std::string& model = subject.model;
  PMT_THROW_IF(spec.task == model::Task::kRegression, kUsage,
               "embed: {} is a regression subject; the VAE embeds images of classes", model);
  const model::Dataset data = model::load_split(spec, subject.data_dir, o.split);
  PMT_THROW_IF(data.inputs.size() != 1 || data.sample_size(0) != 784, kUsage,
               "embed: {}'s inputs are {} values each; the thesis' VAE takes 1 x 28 x 28 images",
               model, data.inputs.empty() ? 0 : data.sample_size(0));
  const std::string name = o.per == "all" ? "vae" : "vae_s";
  const fs::path out =
      o.out_dir.empty() ? fs::path(o.common.data_root) / "embeddings" / model : fs::path(o.out_dir);
  EmbedSummary s;
  s.npy = out / fmt::format("{}_{}.npy", name, o.scaling);
  s.sidecar = out / fmt::format("{}_{}.json", name, o.scaling);
  const nlohmann::json options = {{"model", model},
                                  {"split", o.split},
                                  {"per", o.per},
                                  {"latent", o.vae.latent},
                                  {"epochs", o.vae.epochs},
                                  {"batch_size", o.vae.batch_size},
                                  {"learning_rate", o.vae.learning_rate},
                                  {"loss", o.vae.loss},
                                  {"seed", o.vae.seed}};
  if (fs::exists(s.npy) && fs::exists(s.sidecar)) {
    try {
      const auto j = nlohmann::json::parse(io::read_file(s.sidecar));
      if (j.value("options", nlohmann::json()) == options && j.value("scaling", "") == o.scaling) {
        s.skipped = true;
        s.sidecar_json = j;
        return s;
      }
    } catch (const nlohmann::json::exception&) {
      // unreadable: made again
    }
  }
  // raw values (the loader divided by the subject's scale), scaled as the cluster search does
  const double scale = spec.scale > 0 ? spec.scale : 1.0;
  const std::int64_t n = data.size();
  cluster::Matrix raw(n, 784);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < 784; ++j)
      raw(i, j) =
          static_cast<double>(data.inputs[0].x[static_cast<std::size_t>(i * 784 + j)]) * scale;
  PMT_THROW_IF(!raw.allFinite(), kData, "embed: {}'s {} split holds NaN or infinite values", model,
               o.split);
  const cluster::Matrix scaled =
      cluster::scale_features(raw, false, scaling, spec.scale > 1 ? spec.scale : raw.maxCoeff());
  // the groups: everything, or each class (ascending)
  std::map<std::int64_t, std::vector<std::int64_t>> groups;
  for (std::int64_t i = 0; i < n; ++i)
    groups[o.per == "all" ? -1 : data.y[static_cast<std::size_t>(i)]].push_back(i);
  std::vector<double> codes(static_cast<std::size_t>(n * o.vae.latent));
  nlohmann::json vaes = nlohmann::json::array();
  double seconds = 0;
  for (const auto& [cls, rows] : groups) {
    std::vector<float> x;
    x.reserve(rows.size() * 784);
    for (auto r : rows)
      for (std::int64_t j = 0; j < 784; ++j) x.push_back(static_cast<float>(scaled(r, j)));
    VaeOptions vo = o.vae;
    if (cls >= 0)
      vo.seed = pmt::mix64(o.vae.seed ^ pmt::mix64(static_cast<std::uint64_t>(cls) + 1));
    const std::string label =
        cls < 0 ? fmt::format("embed: VAE on {} inputs", rows.size())
                : fmt::format("embed: VAE of class {} ({} inputs)", cls, rows.size());
    const VaeFit fit = fit_vae(x, static_cast<std::int64_t>(rows.size()), vo, label);
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (int k = 0; k < o.vae.latent; ++k)
        codes[static_cast<std::size_t>(rows[i]) * static_cast<std::size_t>(o.vae.latent) +
              static_cast<std::size_t>(k)] =
            fit.codes[i * static_cast<std::size_t>(o.vae.latent) + static_cast<std::size_t>(k)];
    seconds += fit.seconds;
    nlohmann::json v = {{"inputs", rows.size()},
                        {"loss", fit.loss},
                        {"first_epoch_loss", fit.epoch_loss.front()},
                        {"last_epoch_loss", fit.epoch_loss.back()},
                        {"epoch_loss", fit.epoch_loss},
                        {"seconds", fit.seconds}};
    if (cls >= 0) v["class"] = cls;
    vaes.push_back(v);
  }
  s.sidecar_json = {{"reduction", name},      {"scaling", o.scaling}, {"inputs", n},
                    {"latent", o.vae.latent}, {"options", options},   {"vaes", vaes},
                    {"seconds", seconds}};
  io::write_npy(s.npy, {static_cast<std::size_t>(n), static_cast<std::size_t>(o.vae.latent)},
                codes);
  io::write_file_atomic(s.sidecar, s.sidecar_json.dump(1) + "\n");
  return s;
}

}  // namespace pmt::tools
