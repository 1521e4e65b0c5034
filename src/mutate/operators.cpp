// The operator table (see registry.hpp): one entry per operator, its parameter, DeepCrime's search
// (its utils/properties/properties_mnist.py for the bounds and values; HLR and HNE search from the
// subject's own value), where it applies and what it does. Adding an operator is adding an entry
// here (the weight operators also register their LibTorch function in mutate/torch/).
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "pmt/core/error.hpp"
#include "pmt/io/number.hpp"
#include "pmt/mutate/pre_training.hpp"
#include "pmt/mutate/registry.hpp"

namespace pmt::mutate {

using model::LayerSpec;
using model::SubjectSpec;
using nlohmann::json;

namespace {

// One entry being written: the fields every operator has, then what sets it apart.
class Entry {
 public:
  Entry(std::vector<OperatorInfo>& table, std::string name, std::string code, std::string group,
        ParamKind kind, SearchKind search, std::string summary)
      : op_(table.emplace_back()) {
    op_.name = std::move(name), op_.code = std::move(code), op_.group = std::move(group);
    op_.kind = kind, op_.search = search, op_.summary = std::move(summary);
  }
  Entry& range(double lo, double hi) { return op_.lo = lo, op_.hi = hi, *this; }
  Entry& choices(std::vector<std::string> c) { return op_.choices = std::move(c), *this; }
  Entry& implied(std::string p) { return op_.implied = std::move(p), *this; }
  Entry& spec(SpecChange f) { return op_.spec_change = f, *this; }
  Entry& data(DataChange f) { return op_.data_change = f, *this; }
  Entry& layers(LayerChange f) { return op_.layer_change = f, *this; }
  Entry& layer(LayerRule rule, std::string none) {
    return op_.layer_rule = rule, op_.no_layer = std::move(none), *this;
  }
  Entry& subject(SubjectRule rule) { return op_.subject_rule = rule, *this; }
  Entry& search(SearchRule rule) { return op_.search_rule = rule, *this; }
  Entry& post(std::string source, bool filtered, double default_scale = 0) {
    op_.group = source == "PMT" ? "model (PMT)" : "model (DM++)";
    op_.stage = Stage::kPostTraining, op_.filtered = filtered;
    op_.default_scale = default_scale, op_.source = std::move(source);
    return range(0, 1);
  }
  Entry& targeted() {
    op_.group = "targeted", op_.stage = Stage::kTargeted, op_.source = "USI thesis";
    return *this;
  }

 private:
  OperatorInfo& op_;
};

std::vector<std::string> without(std::vector<std::string> v, const std::string& drop) {
  v.erase(std::remove(v.begin(), v.end(), drop), v.end());
  return v;
}

// The operator's numeric value (checked by make_mutation).
double number(const Mutation& m) { return io::to_double(m.value).value_or(0); }
int integer(const Mutation& m) { return static_cast<int>(number(m)); }

LayerSpec& target(SubjectSpec& s, const Mutation& m) {
  PMT_THROW_IF(m.layer < 0 || m.layer >= static_cast<int>(s.layers.size()), kUsage,
               "--mut {}: no layer {} in subject '{}'", m.name, m.layer, s.name);
  return s.layers[static_cast<std::size_t>(m.layer)];
}

// The layer rules' pieces: layer i of s, as messages name it.
const LayerSpec& at(const SubjectSpec& s, int i) { return s.layers[static_cast<std::size_t>(i)]; }
std::string what(const SubjectSpec& s, int i) {
  return fmt::format("layer {} ({})", i, model::to_string(at(s, i).type));
}
bool is_last(const SubjectSpec& s, int i) { return i + 1 == static_cast<int>(s.layers.size()); }
// DeepCrime's layer operators act on the layers whose Keras config has the key they change
// (activation, kernel_initializer, kernel_regularizer, use_bias): dense, the convolutions and
// the recurrent layers, which are also the post-training operators' weight layers.
// (A depthwise kernel's keys are depthwise_initializer and depthwise_regularizer: pmt's
// operators change them as the kernel's.)
bool has_kernel(const LayerSpec& l) { return model::has_kernel(l.type); }
// LD and LAm's layers: dense and conv2d.
bool dense_or_conv2d(const LayerSpec& l) {
  return l.type == model::LayerType::kDense || l.type == model::LayerType::kConv2d;
}

// The layers with a kernel (DeepCrime's operators), then `more` of the layer.
template <typename More>
std::string weighted(const SubjectSpec& s, int i, More more) {
  if (!has_kernel(at(s, i)))
    return what(s, i) + " has no kernel (only dense, convolutional and recurrent layers do)";
  return more(at(s, i));
}
// The layers whose Keras config has an activation (ACH, ARM, AAL): those with a kernel and the
// activation layers.
template <typename More>
std::string activated(const SubjectSpec& s, int i, More more) {
  if (!has_kernel(at(s, i)) && at(s, i).type != model::LayerType::kActivation)
    return what(s, i) +
           " has no activation (only dense, convolutional, recurrent and activation layers do)";
  return more(at(s, i));
}
std::string any_kernel(const SubjectSpec& s, int i) {
  return weighted(s, i, [](const LayerSpec&) { return std::string(); });
}
std::string any_activation(const SubjectSpec& s, int i) {
  return activated(s, i, [](const LayerSpec&) { return std::string(); });
}
std::string has_activation(const SubjectSpec& s, int i) {
  return activated(s, i, [&](const LayerSpec& l) {
    return l.activation != model::Activation::kLinear
               ? ""
               : what(s, i) + " has no activation (it is linear)";
  });
}
std::string is_linear(const SubjectSpec& s, int i) {
  return activated(s, i, [&](const LayerSpec& l) {
    return l.activation == model::Activation::kLinear
               ? ""
               : what(s, i) + " already has activation " + model::to_string(l.activation);
  });
}
std::string unregularised(const SubjectSpec& s, int i) {
  return weighted(s, i, [&](const LayerSpec& l) {
    return l.kernel_regularizer == "none" ? "" : what(s, i) + " is already regularised";
  });
}
std::string regularised(const SubjectSpec& s, int i) {
  return weighted(s, i, [&](const LayerSpec& l) {
    return l.kernel_regularizer != "none" ? "" : what(s, i) + " has no kernel regulariser";
  });
}
std::string without_bias(const SubjectSpec& s, int i) {
  return weighted(s, i, [&](const LayerSpec& l) {
    return !l.use_bias ? "" : what(s, i) + " already has a bias";
  });
}
std::string with_bias(const SubjectSpec& s, int i) {
  return weighted(
      s, i, [&](const LayerSpec& l) { return l.use_bias ? "" : what(s, i) + " has no bias"; });
}
std::string is_dropout(const SubjectSpec& s, int i) {
  return at(s, i).type == model::LayerType::kDropout ? "" : what(s, i) + " is not a dropout layer";
}
std::string hidden_activation(const SubjectSpec& s, int i) {
  const LayerSpec& l = at(s, i);
  if (is_last(s, i))
    return what(s, i) + " is the output layer (only hidden activations are removed)";
  if (!model::activates(l.type)) return what(s, i) + " has no activation";
  return l.activation != model::Activation::kLinear
             ? ""
             : what(s, i) + " has no activation (it is linear)";
}
// LD and LAm: a dense or conv2d layer of a stack whose output shape equals its input's (LD: not
// the first or the last layer).
std::string shape_keeping(const SubjectSpec& s, int i, bool hidden) {
  if (!model::is_stack(s))
    return "only a plain stack of layers can lose or gain a layer (this subject is a graph)";
  if (!dense_or_conv2d(at(s, i)))
    return what(s, i) + " is not a dense or conv2d layer (only those qualify)";
  if (hidden && (i == 0 || is_last(s, i))) return what(s, i) + " is the first or the last layer";
  const auto shapes = model::infer_shapes(s);
  const auto& in = i == 0 ? s.input_shape : shapes[static_cast<std::size_t>(i - 1)];
  const auto& out = shapes[static_cast<std::size_t>(i)];
  if (in != out)
    return fmt::format("{} changes the shape ({} -> {})", what(s, i), fmt::join(in, "x"),
                       fmt::join(out, "x"));
  return "";
}

// LD and LAm renumber the stack: each layer reads the one before it.
void restack(SubjectSpec& s) {
  for (std::size_t k = 0; k < s.layers.size(); ++k) {
    s.layers[k].name = "layer" + std::to_string(k);
    s.layers[k].inputs = {k == 0 ? s.inputs.at(0).name : s.layers[k - 1].name};
  }
}

const std::string kNoKernel = "it has no dense, convolutional or recurrent layer";
const std::string kNoActivation = "it has no dense, convolutional, recurrent or activation layer";

std::vector<OperatorInfo> make_table() {
  using K = ParamKind;
  using S = SearchKind;
  const auto& acts = model::deepcrime_activation_names();
  const std::vector<std::string> regs{"l1", "l2", "l1_l2"};
  std::vector<OperatorInfo> t;
  const auto add = [&](std::string name, std::string code, std::string group, K kind, S search,
                       std::string summary) {
    return Entry(t, std::move(name), std::move(code), std::move(group), kind, search,
                 std::move(summary));
  };
  // Training data.
  add("change_label", "TCL", "training data", K::kPercent, S::kBinary,
      "pct% of the most frequent class get a label drawn from the other classes")
      .range(0, 100)
      .data(change_label);
  add("delete_training_data", "TRD", "training data", K::kPercent, S::kBinary,
      "delete pct% of the samples of every class")
      .range(0, 99.99)
      .data(delete_training_data);
  add("unbalance_train_data", "TUD", "training data", K::kPercent, S::kBinary,
      "delete pct% of the samples of every class smaller than the mean class")
      .range(0, 100)
      .data(unbalance_train_data);
  add("add_noise", "TAN", "training data", K::kPercent, S::kBinary,
      "pct% of the samples get Gaussian noise of sd std(x_i) * pct / 100")
      .range(0, 100)
      .data(add_noise);
  add("make_output_classes_overlap", "TCO", "training data", K::kPercent, S::kBinary,
      "copies of pct% of the most frequent class, labelled as the second most frequent")
      .range(0, 100)
      .data(make_output_classes_overlap);
  // Hyperparameters.
  add("change_batch_size", "HBS", "hyperparameters", K::kInteger, S::kExhaustive, "batch size B")
      .choices({"32", "64", "256", "512"})
      .range(1, 1e9)
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) { s.batch_size = integer(m); });
  add("change_learning_rate", "HLR", "hyperparameters", K::kPositive, S::kBinary,
      "learning rate LR")
      .range(0, 1e9)
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        s.optimizer.learning_rate = number(m);
      })
      // from a tenth of the subject's rate up to it, precision a hundredth (mnist: 0.1 to 1.0)
      .search([](const SubjectSpec& s, int, SearchSpace& b) {
        const double lr = s.optimizer.learning_rate;
        b.from = lr / 10, b.to = lr, b.precision = lr / 100;
      });
  add("change_epochs", "HNE", "hyperparameters", K::kInteger, S::kBinary, "E epochs")
      .range(1, 1e6)
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) { s.epochs = integer(m); })
      .search([](const SubjectSpec& s, int, SearchSpace& b) {
        b.from = 1, b.to = s.epochs, b.precision = 1;
      });
  add("disable_batching", "HDB", "hyperparameters", K::kImplied, S::kNone,
      "batch size = the training set's size")
      .implied("full")
      .spec([](SubjectSpec& s, const Mutation&, std::int64_t train_size) {
        s.batch_size = static_cast<int>(train_size);
      });
  // Activation functions.
  add("change_activation_function", "ACH", "activation", K::kChoice, S::kExhaustive,
      "the layer's activation becomes A")
      .choices(acts)
      .layer(any_activation, kNoActivation)
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        target(s, m).activation = model::parse_activation(m.value);
      });
  add("remove_activation_function", "ARM", "activation", K::kLayer, S::kNone,
      "the layer's activation becomes linear")
      .layer(has_activation, "it has no layer with an activation to remove")
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        target(s, m).activation = model::Activation::kLinear;
      });
  add("add_activation_function", "AAL", "activation", K::kChoice, S::kExhaustive,
      "a linear layer gets activation A")
      .choices(without(acts, "linear"))
      .layer(is_linear,
             "it has no linear dense, convolutional, recurrent or activation layer to "
             "add an activation to")
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        target(s, m).activation = model::parse_activation(m.value);
      });
  // Regularisation and dropout.
  add("add_weights_regularisation", "RAW", "regularisation", K::kChoice, S::kExhaustive,
      "an unregularised layer gets kernel regulariser R (factor 0.01)")
      .choices(regs)
      .layer(unregularised, "it has no unregularised dense, convolutional or recurrent layer")
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        model::set_regularizer(target(s, m), m.value);
      });
  add("change_weights_regularisation", "RCW", "regularisation", K::kChoice, S::kExhaustive,
      "a regularised layer's kernel regulariser becomes R")
      .choices(regs)
      .layer(regularised, "it has no regularised layer")
      // DeepCrime draws one of the OTHER two regularisers: the layer's own is no mutation
      .search([](const SubjectSpec& s, int layer, SearchSpace& space) {
        if (layer < 0 || layer >= static_cast<int>(s.layers.size())) return;
        const std::string& own = s.layers[static_cast<std::size_t>(layer)].kernel_regularizer;
        space.values.erase(std::remove(space.values.begin(), space.values.end(), own),
                           space.values.end());
      })
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        model::set_regularizer(target(s, m), m.value);
      });
  add("remove_weights_regularisation", "RRW", "regularisation", K::kLayer, S::kNone,
      "a regularised layer loses its kernel regulariser")
      .layer(regularised, "it has no regularised layer")
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        model::set_regularizer(target(s, m), "none");
      });
  add("change_dropout_rate", "RCD", "regularisation", K::kRate, S::kExhaustive,
      "the dropout layer's rate P")
      .choices({"0.125", "0.25", "0.75"})  // DeepCrime's list without 1.0 (see check_value)
      .range(0, 1)
      .layer(is_dropout, "it has no dropout layer")
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) { target(s, m).rate = number(m); });
  add("change_earlystopping_patience", "RCP", "regularisation", K::kInteger, S::kBinary,
      "early stopping patience N (epochs)")
      .range(1, 1e6)
      .subject([](const SubjectSpec& s) {
        return s.patience == 0 ? "it does not use early stopping (patience 0)" : std::string();
      })
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) { s.patience = integer(m); })
      .search(
          [](const SubjectSpec&, int, SearchSpace& b) { b.from = 1, b.to = 10, b.precision = 1; });
  // Weights and bias.
  add("change_weights_initialisation", "WCI", "weights", K::kChoice, S::kExhaustive,
      "the layer's kernel initialiser I")
      .choices(model::initializer_names())
      .layer(any_kernel, kNoKernel)
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        target(s, m).kernel_initializer = m.value;
        target(s, m).kernel_stddev = 0;  // DeepCrime passes the name: Keras' default arguments
      });
  add("add_bias", "WAB", "weights", K::kLayer, S::kNone, "a layer without bias gets one")
      .layer(without_bias, "it has no dense, convolutional or recurrent layer without a bias")
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) { target(s, m).use_bias = true; });
  add("remove_bias", "WRB", "weights", K::kLayer, S::kNone, "the layer loses its bias")
      .layer(with_bias, "it has no layer with a bias")
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) { target(s, m).use_bias = false; });
  // Loss, optimiser, validation.
  add("change_loss_function", "LCH", "loss", K::kChoice, S::kExhaustive,
      "loss L (Keras, on the network's output)")
      .choices(model::loss_names())
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        s.loss = model::parse_loss(m.value);
      });
  add("change_optimisation_function", "OCH", "optimiser", K::kChoice, S::kExhaustive,
      "optimiser O with Keras' defaults (learning rate 0.01 for sgd, 0.001 otherwise)")
      .choices(model::optimizer_names())
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        // DeepCrime compiles with the optimiser's name: Keras' defaults, other settings dropped
        // (TF 2.3: learning rate 0.01 for SGD, 0.001 for the others).
        s.optimizer = model::OptimizerSpec{m.value, m.value == "sgd" ? 0.01 : 0.001, {}};
      });
  add("change_gradient_clip", "OCG", "optimiser", K::kClip, S::kNone,
      "gradient clipping clipnorm_C or clipvalue_C (per tensor, as Keras)")
      .choices({"clipvalue_0.5"})
      .range(0, 1e9)
      .spec([](SubjectSpec& s, const Mutation& m, std::int64_t) {
        const auto cut = m.value.find('_');
        s.optimizer.params.erase("clipnorm");
        s.optimizer.params.erase("clipvalue");
        s.optimizer.params[m.value.substr(0, cut)] =
            io::to_double(m.value.substr(cut + 1)).value_or(0);
      });
  add("remove_validation_set", "VRM", "validation", K::kImplied, S::kNone,
      "no validation data (and so no early stopping)")
      .implied("all")
      .subject([](const SubjectSpec& s) {
        return s.validation.none() ? "it has no validation set" : std::string();
      })
      .spec([](SubjectSpec& s, const Mutation&, std::int64_t) {
        s.validation = {};
        s.patience = 0;  // Keras' EarlyStopping has no val_loss to monitor without validation data
      });
  // Post-training (model-level) operators: mutate_model applies them to trained instances; the
  // weight operators' behaviour is in mutate/torch/post_training.cpp.
  add("neurons_freezing", "NF", "", K::kRatio, S::kNone,
      "zero int(r * units) (at least 1) output units/channels of the layer: kernel slice, bias")
      .post("PMT", false)
      .layer(any_kernel, kNoKernel);
  add("weights_fuzzing", "WF", "", K::kRatioScale, S::kNone,
      "int(r * size) random kernel entries of the layer: w += N(0,1) * m * |w| (\"r_m\")")
      .post("PMT", false)
      .layer(any_kernel, kNoKernel);
  add("gaussian_fuzzing", "GF", "", K::kRatioScale, S::kNone,
      "ratio r of all kernel weights (dense, conv, recurrent input kernels): w *= 1 + N(0, s), "
      "touched kernels clipped to [-1, 1] (\"r\" or \"r_s\", s = 0.5)")
      .post("DeepMutation++", true, 0.5);
  add("weights_shuffling", "WS", "", K::kRatio, S::kNone,
      "ratio r of all neurons (units, channels): each one's input-kernel weights shuffled")
      .post("DeepMutation++", true);
  add("neuron_effect_block", "NEB", "", K::kRatio, S::kNone,
      "ratio r of all neurons (units, channels): incoming weights and bias set to 0")
      .post("DeepMutation++", true);
  add("neuron_activation_inverse", "NAI", "", K::kRatio, S::kNone,
      "ratio r of all neurons (units, channels): incoming weights and bias negated")
      .post("DeepMutation++", true);
  add("neuron_switch", "NS", "", K::kRatio, S::kNone,
      "per layer, as many random pairs of neurons as its share of ratio r swapped (weights, bias)")
      .post("DeepMutation++", true);
  add("layer_deactivation", "LD", "", K::kLayer, S::kNone,
      "a hidden dense/conv layer whose output shape equals its input's is removed")
      .post("DeepMutation++", true)
      .layer([](const SubjectSpec& s, int i) { return shape_keeping(s, i, true); },
             "it has no hidden dense or conv2d layer whose output shape equals its input's")
      .layers([](SubjectSpec& s, const Mutation& m, std::vector<std::size_t>& from, json& c) {
        const auto L = static_cast<long>(m.layer);
        c["removed"] = model::to_string(s.layers[static_cast<std::size_t>(L)].type);
        s.layers.erase(s.layers.begin() + L);
        from.erase(from.begin() + L);
        restack(s);
      });
  add("layer_addition", "LAm", "", K::kLayer, S::kNone,
      "a copy of a dense/conv layer whose output shape equals its input's is inserted after it")
      .post("DeepMutation++", true)
      .layer([](const SubjectSpec& s, int i) { return shape_keeping(s, i, false); },
             "it has no dense or conv2d layer whose output shape equals its input's")
      .layers([](SubjectSpec& s, const Mutation& m, std::vector<std::size_t>& from, json& c) {
        const auto L = static_cast<std::size_t>(m.layer);
        s.layers.insert(s.layers.begin() + static_cast<long>(L) + 1, s.layers[L]);
        from.insert(from.begin() + static_cast<long>(L) + 1, L);
        c["inserted_copy_at"] = m.layer + 1;
        restack(s);
      });
  add("activation_removal", "AFRm", "", K::kLayer, S::kNone,
      "a hidden layer's activation becomes linear")
      .post("DeepMutation++", true)
      .layer(hidden_activation, "it has no hidden layer with an activation")
      .layers([](SubjectSpec& s, const Mutation& m, std::vector<std::size_t>&, json& c) {
        LayerSpec& l = target(s, m);
        c["activation"] = std::string(model::to_string(l.activation)) + " -> linear";
        l.activation = model::Activation::kLinear;
      });
  // Targeted post-training mutants (the USI thesis, sections 4.3-4.4): the tools tmr and arachne
  // make them from the sound instances and the clusters of `cluster`.
  add("tmr", "TMR", "", K::kTarget, S::kNone,
      "retrain E epochs on one cluster relabelled to each input's second most probable label, "
      "then 1 epoch on the class's other clusters (\"c<class>_k<cluster>_e<E>\"; the tmr tool)")
      .targeted();
  add("arachne", "ARA", "", K::kTarget, S::kNone,
      "perturb the weights Arachne's bidirectional localisation finds for one cluster: Gaussian "
      "noise or differential evolution (\"c<class>_k<cluster>_<gn|de>_<layer|all>\"; the arachne "
      "tool)")
      .targeted();
  return t;
}

}  // namespace

const std::vector<OperatorInfo>& operators() {
  static const std::vector<OperatorInfo> table = make_table();
  return table;
}

}  // namespace pmt::mutate
