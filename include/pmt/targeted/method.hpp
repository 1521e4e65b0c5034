// A targeted method (tmr, arachne): what turns a copy of a sound instance's network into its
// mutant, given the inputs of one (instance, class, cluster). The tools' driver
// (tools/torch/targeted.cpp) reads the clusters, chooses I_neg and I_pos per sound instance,
// evaluates originals and mutants on the thesis' sets and saves the mutants in the layout.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/targeted/targeted.hpp"
#include "pmt/train/network.hpp"

namespace pmt::targeted {

// The inputs of one (instance, class, cluster): indices into `split`.
struct MutantInputs {
  const model::Dataset& split;         // the split the clusters index (true labels)
  std::vector<std::int64_t> neg, pos;  // I_neg, I_pos: correct for the sound instance
  std::vector<std::int64_t> second;    // per I_neg input: the sound instance's 2nd label
  std::uint64_t seed = 0;              // the mutant's seed (--seed, operator, param, instance)
};

// Turns `net` (the sound weights) into the mutant, in place; returns what the sidecar records
// under "method" (what was changed, how long it took).
using MakeMutant = std::function<nlohmann::json(train::SubjectNet& net, const MutantInputs& in)>;

struct Method {
  std::string op;           // registry name: tmr | arachne
  std::string how;          // the parameter's tail: "e2", "gn_all", ...
  nlohmann::json settings;  // recorded in every sidecar
  MakeMutant make;
  // Optional: throws a usage error when the settings do not fit the subject (before anything is
  // read or written).
  std::function<void(const model::SubjectSpec&)> check;
};

// The methods; the settings are checked here (usage errors) and must outlive the Method.
Method tmr_method(const TmrSettings& settings);
Method arachne_method(const ArachneSettings& settings);

}  // namespace pmt::targeted
