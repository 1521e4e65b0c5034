// The instances of one configuration folder (trained_models/<model>/<configuration>/) as
// train_mutants, mutate_model, tmr and arachne keep them, and the resumable loop that makes them.
// Private to src/tools/torch/.
//
// Instance i is instance_<i>.pt and its sidecar instance_<i>.json, written in that order and each
// atomically (a temporary file, then a rename): a killed run leaves complete instances and stale
// temporaries, which opening the store removes, so a rerun makes exactly the missing ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmt/core/progress.hpp"
#include "pmt/mutate/registry.hpp"

namespace pmt::tools::detail {

// The fields every sidecar has.
struct SidecarHead {
  std::string subject;
  const mutate::Mutation& mutation;  // its name and parameter
  nlohmann::json op;                 // "operator": the mutation's JSON, with what the tool adds
  std::uint64_t base_seed = 0;       // --seed
};

class InstanceStore {
 public:
  // Creates the folder and removes the temporaries a killed run left there.
  explicit InstanceStore(std::filesystem::path folder);
  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path model(int i) const;
  std::filesystem::path sidecar(int i) const;
  bool done(int i) const;  // both files are there
  // Writes instance i: save_model(the model file), then the sidecar: `fields` and the head's.
  void save(int i, const std::function<void(const std::filesystem::path&)>& save_model,
            const SidecarHead& head, nlohmann::json fields) const;

 private:
  std::filesystem::path folder_;
};

// Runs job(k) for every k < n on `jobs` threads, each job with `threads` intra-op threads and
// each starting only while no SIGINT/SIGTERM has come; an interruption stops the other jobs
// (parallel_for joins them) and is rethrown as "<saved()> saved, rerun to resume".
void run_resumable(std::size_t n, int jobs, int threads,
                   const std::function<void(std::size_t)>& job, Progress* progress,
                   const std::function<std::string()>& saved);

}  // namespace pmt::tools::detail
