// arachne: targeted mutants from Arachne's bidirectional localisation (Sohn, Kang, Yoo, TOSEM
// 2023; coinse/arachne run_localise.py, search/de_vk.py) as the USI thesis adapts it (section
// 4.3; docs/reference/posttraining.md section 3):
//   localisation, per kernel weight w of the target layers, on I_neg and on I_pos (true labels):
//     GL = |sum over the inputs of dL/dw|, L the cross-entropy of the logits;
//     FI = front * behind: front = the mean over the inputs of w's share |o_i w| / sum_l |o_l w_l|
//       of its neuron's input (a convolution: per output position, summed over the positions,
//       each weighted by behind there); behind = the mean over the inputs of |dO/dy| (y the
//       layer's output, O the sum of the logits, as the thesis uses the logits), L1-normalised
//       per input over the layer's outputs;
//     costs GL_neg / (1 + GL_pos) and FI_neg / (1 + FI_pos); the localised weights are the first
//     Pareto front of both, over all target layers together;
//   gn: each localised weight += N(0, sigma) (the thesis' Algorithm 3, sigma 1);
//   de: differential evolution over the localised weights (DE/rand/1/bin, F ~ U(0.5, 1) drawn
//     per generation, CR 0.7, a trial replacing its parent when its fitness is >= the parent's,
//     asynchronously as de_vk.py does), initial genes N(mean, sd) of their layer's kernel, clipped
//     to eq. 4.14's bounds (min*2 if min < 0 else min/2, max*2 if max > 0 else max/2) unless
//     --no-clip; the thesis' fitness (eq. 4.11-4.13), maximised:
//       sum over I_pos of (1 if right else 1 / (1 + loss)) + sum over I_neg of (1 if WRONG else
//       loss);
//     at most --generations generations, stopping after --patience without a better best.
// Arachne's conv FI normalises by the sum over the whole batch; pmt uses the per-position share
// (eq. 2.2 as the thesis writes it). Biases are never localised (as in Arachne).
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "pmt/core/error.hpp"
#include "pmt/core/interrupt.hpp"
#include "pmt/targeted/method.hpp"

namespace pmt::targeted {

namespace {

using torch::indexing::Slice;

struct Layer {
  int index = 0;
  bool conv = false;
  torch::Tensor weight;  // the network's own kernel (out, in[, kh, kw])
};

std::vector<Layer> target_layers(train::SubjectNet& net, int wanted) {
  const auto& layers = net.spec().layers;
  auto params = net.named_parameters();
  std::vector<Layer> out;
  std::vector<std::string> names;
  const auto shapes = model::infer_shapes(net.spec());
  for (std::size_t i = 0; i + 1 < layers.size(); ++i) {
    // plain dense and conv2d layers (not a dense on a sequence, nor a grouped convolution)
    if ((layers[i].type != model::LayerType::kDense || shapes[i].size() != 1) &&
        (layers[i].type != model::LayerType::kConv2d || layers[i].groups != 1))
      continue;
    names.push_back(std::to_string(i));
    if (wanted >= 0 && static_cast<int>(i) != wanted) continue;
    out.push_back({static_cast<int>(i), layers[i].type == model::LayerType::kConv2d,
                   params["layer" + std::to_string(i) + ".weight"]});
  }
  PMT_THROW_IF(out.empty(), kUsage,
               "--layer {}: not a dense or conv layer before the output one (candidates: {})",
               wanted, model::join_names(names));
  return out;
}

torch::Tensor inputs_of(const model::Dataset& d) {
  const auto& in = d.inputs.at(0);
  std::vector<std::int64_t> shape{d.size()};
  shape.insert(shape.end(), in.shape.begin(), in.shape.end());
  return torch::from_blob(const_cast<float*>(in.x.data()), shape, torch::kFloat).clone();
}

torch::Tensor labels_of(const model::Dataset& d) {
  return torch::tensor(std::vector<std::int64_t>(d.y.begin(), d.y.end()), torch::kLong);
}

// GL and FI of every target layer's kernel on the inputs `rows` (true labels).
std::pair<std::vector<torch::Tensor>, std::vector<torch::Tensor>> localisation_scores(
    train::SubjectNet& net, const model::Dataset& split, const std::vector<std::int64_t>& rows,
    const std::vector<Layer>& layers) {
  net.eval();
  const model::Dataset sub = split.subset(rows);
  const torch::Tensor x = inputs_of(sub), y = labels_of(sub);
  const std::int64_t n = x.size(0), chunk = 100;
  std::vector<torch::Tensor> gl(layers.size()), front(layers.size()), behind(layers.size());
  for (std::size_t l = 0; l < layers.size(); ++l) {
    gl[l] = torch::zeros_like(layers[l].weight);
    front[l] = layers[l].conv ? torch::Tensor() : torch::zeros_like(layers[l].weight);
  }
  for (std::int64_t s = 0; s < n; s += chunk) {
    throw_if_interrupted();
    const std::int64_t e = std::min(n, s + chunk);
    const torch::Tensor xb = x.slice(0, s, e), yb = y.slice(0, s, e);
    const std::vector<torch::Tensor> outs = net.layer_outputs({xb});
    std::vector<torch::Tensor> wrt, kernels;
    for (const auto& L : layers) {
      wrt.push_back(outs[static_cast<std::size_t>(L.index)]);
      kernels.push_back(L.weight);
    }
    // GL: the summed loss's gradient on the kernels; behind: the summed logits' on the outputs.
    const torch::Tensor loss = torch::nn::functional::cross_entropy(
        outs.back(), yb, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    const auto g_loss = torch::autograd::grad({loss}, kernels, {}, true);
    const auto g_out = torch::autograd::grad({outs.back().sum()}, wrt);
    torch::NoGradGuard no_grad;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      gl[l] += g_loss[l];
      const auto li = static_cast<std::size_t>(layers[l].index);
      const torch::Tensor in = (li == 0 ? xb : outs[li - 1]).detach().abs();
      torch::Tensor b = g_out[l].abs().flatten(1);  // (batch, outputs)
      b = b / b.sum(1, true).clamp_min(1e-30);
      const torch::Tensor w = layers[l].weight.detach().abs();
      if (!layers[l].conv) {
        // front[j][i] += sum_n |o_ni| / sum_k |o_nk w_jk|  (times |w_ji| at the end)
        const torch::Tensor share = in.matmul(w.t());  // (batch, out)
        const torch::Tensor inv = torch::where(share > 0, 1.0 / share, torch::zeros_like(share));
        front[l] += inv.t().matmul(in);
        const torch::Tensor bs = b.sum(0);
        behind[l] = behind[l].defined() ? behind[l] + bs : bs;
      } else {
        const std::int64_t cout = w.size(0);
        const torch::Tensor patches = torch::nn::functional::unfold(
            in, torch::nn::functional::UnfoldFuncOptions({w.size(2), w.size(3)}));  // (N, K, P)
        const torch::Tensor share = w.view({cout, -1}).matmul(patches);             // (N, Cout, P)
        const torch::Tensor inv = torch::where(share > 0, 1.0 / share, torch::zeros_like(share));
        // M[j,k,p] = sum_n inv[n,j,p] patches[n,k,p]
        const torch::Tensor m = torch::einsum("njp,nkp->jkp", {inv, patches});
        front[l] = front[l].defined() ? front[l] + m : m;
        const torch::Tensor bs = b.view({e - s, cout, -1}).sum(0);  // (Cout, P)
        behind[l] = behind[l].defined() ? behind[l] + bs : bs;
      }
    }
  }
  std::vector<torch::Tensor> fi(layers.size());
  const double inv_n = 1.0 / static_cast<double>(std::max<std::int64_t>(1, n));
  for (std::size_t l = 0; l < layers.size(); ++l) {
    gl[l] = gl[l].abs();
    const torch::Tensor w = layers[l].weight.detach().abs();
    if (!layers[l].conv) {
      fi[l] = w * front[l] * inv_n * (behind[l] * inv_n).unsqueeze(1);
    } else {
      const torch::Tensor per = torch::einsum("jkp,jp->jk", {front[l] * inv_n, behind[l] * inv_n});
      fi[l] = w * per.view_as(w);
    }
  }
  return {gl, fi};
}

struct Place {
  std::size_t layer;   // into the target layers
  std::int64_t index;  // flat kernel index
};

std::vector<Place> localise(train::SubjectNet& net, const MutantInputs& in,
                            const std::vector<Layer>& layers, nlohmann::json& record) {
  const auto [gl_neg, fi_neg] = localisation_scores(net, in.split, in.neg, layers);
  const auto [gl_pos, fi_pos] = localisation_scores(net, in.split, in.pos, layers);
  std::vector<double> a, b;
  std::vector<Place> places;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const torch::Tensor ca =
        (gl_neg[l] / (1 + gl_pos[l])).flatten().to(torch::kDouble).contiguous();
    const torch::Tensor cb =
        (fi_neg[l] / (1 + fi_pos[l])).flatten().to(torch::kDouble).contiguous();
    const double* pa = ca.data_ptr<double>();
    const double* pb = cb.data_ptr<double>();
    for (std::int64_t k = 0; k < ca.size(0); ++k) {
      a.push_back(pa[k]);
      b.push_back(pb[k]);
      places.push_back({l, k});
    }
  }
  const std::vector<std::int64_t> front = pareto_front(a, b);
  std::vector<Place> out;
  nlohmann::json per = nlohmann::json::object();
  for (auto k : front) {
    const Place& p = places[static_cast<std::size_t>(k)];
    out.push_back(p);
    per[std::to_string(layers[p.layer].index)] =
        per.value(std::to_string(layers[p.layer].index), 0) + 1;
  }
  record["candidates"] = places.size();
  record["localised"] = out.size();
  record["localised_per_layer"] = per;
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t k = 0; k < out.size() && k < 1000; ++k)
    list.push_back({layers[out[k].layer].index, out[k].index});
  record["weights"] = list;  // (layer, flat kernel index), at most 1,000
  return out;
}

// The thesis' fitness of the network's current weights on I_pos and I_neg (maximised).
double fitness(train::SubjectNet& net, std::size_t from, const torch::Tensor& h_pos,
               const torch::Tensor& y_pos, const torch::Tensor& h_neg, const torch::Tensor& y_neg) {
  torch::NoGradGuard no_grad;
  const auto part = [&](const torch::Tensor& h, const torch::Tensor& y, bool neg) {
    const torch::Tensor logits = net.logits_from(from, h);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(
        logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    const torch::Tensor right = logits.argmax(1).eq(y);
    const torch::Tensor score = neg ? torch::where(right, loss, torch::ones_like(loss))
                                    : torch::where(right, torch::ones_like(loss), 1 / (1 + loss));
    return score.sum().item<double>();
  };
  return part(h_pos, y_pos, false) + part(h_neg, y_neg, true);
}

}  // namespace

Method arachne_method(const ArachneSettings& o) {
  PMT_THROW_IF(o.method != "gn" && o.method != "de", kUsage, "--method: gn or de, got '{}'",
               o.method);
  PMT_THROW_IF(!(o.sigma > 0), kUsage, "--sigma must be > 0");
  PMT_THROW_IF(o.population < 4, kUsage, "--population must be at least 4 (DE/rand/1 draws 3)");
  PMT_THROW_IF(o.generations < 1 || o.patience < 1, kUsage,
               "--generations and --patience must be at least 1");
  Method m;
  m.op = "arachne";
  m.how =
      fmt::format("{}_{}", o.method,
                  o.target_layer < 0 ? std::string("all") : fmt::format("layer{}", o.target_layer));
  if (o.method == "de" && !o.clip) m.how += "_noclip";  // its own folder beside the clipped run
  m.settings = {{"method", o.method},
                {"layer", o.target_layer},
                {"sigma", o.sigma},
                {"population", o.population},
                {"generations", o.generations},
                {"patience", o.patience},
                {"clip", o.clip},
                {"max_inputs", o.max_inputs}};
  m.make = [&o](train::SubjectNet& net, const MutantInputs& in) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<Layer> layers = target_layers(net, o.target_layer);
    nlohmann::json record;
    const std::vector<Place> places = localise(net, in, layers, record);
    torch::Generator gen = at::make_generator<at::CPUGeneratorImpl>(in.seed);
    torch::NoGradGuard no_grad;
    const auto weight_at = [&](const Place& p) { return layers[p.layer].weight.view(-1)[p.index]; };
    if (o.method == "gn") {
      const torch::Tensor z =
          torch::randn({static_cast<std::int64_t>(places.size())}, gen, torch::kDouble);
      for (std::size_t k = 0; k < places.size(); ++k)
        weight_at(places[k]) += o.sigma * z[static_cast<std::int64_t>(k)].item<double>();
    } else {
      // The inputs of the first target layer, once (the search reruns the layers from there).
      std::size_t from = static_cast<std::size_t>(layers.front().index);
      const auto sample = [&](const std::vector<std::int64_t>& rows, std::uint64_t key) {
        std::vector<std::int64_t> r = rows;
        if (o.max_inputs > 0 && static_cast<int>(r.size()) > o.max_inputs) {
          torch::Generator g = at::make_generator<at::CPUGeneratorImpl>(in.seed ^ key);
          const torch::Tensor perm =
              torch::randperm(static_cast<std::int64_t>(r.size()), g, torch::kLong);
          std::vector<std::int64_t> picked;
          for (int k = 0; k < o.max_inputs; ++k) picked.push_back(r[perm[k].item<std::int64_t>()]);
          std::sort(picked.begin(), picked.end());
          r = picked;
        }
        const model::Dataset d = in.split.subset(r);
        net.eval();
        torch::Tensor h = inputs_of(d);
        if (from > 0) h = net.layer_outputs({h})[from - 1].detach();
        return std::pair{h, labels_of(d)};
      };
      const auto [h_pos, y_pos] = sample(in.pos, 1);
      const auto [h_neg, y_neg] = sample(in.neg, 2);
      const std::size_t genes = places.size();
      std::vector<double> lo(genes), hi(genes), mean(genes), sd(genes);
      for (std::size_t g = 0; g < genes; ++g) {
        const torch::Tensor w = layers[places[g].layer].weight;
        const double mn = w.min().item<double>(), mx = w.max().item<double>();
        lo[g] = mn < 0 ? mn * 2 : mn / 2;
        hi[g] = mx > 0 ? mx * 2 : mx / 2;
        mean[g] = w.mean().item<double>();
        sd[g] = w.std().item<double>();
      }
      const auto set_genes = [&](const std::vector<double>& v) {
        for (std::size_t g = 0; g < genes; ++g) weight_at(places[g]).fill_(v[g]);
      };
      std::vector<std::vector<double>> pop(static_cast<std::size_t>(o.population),
                                           std::vector<double>(genes));
      std::vector<double> fit(pop.size());
      const torch::Tensor init =
          torch::randn({o.population, static_cast<std::int64_t>(genes)}, gen, torch::kDouble);
      for (std::size_t p = 0; p < pop.size(); ++p) {
        for (std::size_t g = 0; g < genes; ++g)
          pop[p][g] =
              mean[g] +
              sd[g] *
                  init[static_cast<std::int64_t>(p)][static_cast<std::int64_t>(g)].item<double>();
        set_genes(pop[p]);
        fit[p] = fitness(net, from, h_pos, y_pos, h_neg, y_neg);
      }
      std::size_t best =
          static_cast<std::size_t>(std::max_element(fit.begin(), fit.end()) - fit.begin());
      nlohmann::json history = nlohmann::json::array({fit[best]});
      int stale = 0, generation = 0;
      const auto uniform = [&] { return torch::rand({1}, gen, torch::kDouble).item<double>(); };
      for (; generation < o.generations && stale < o.patience; ++generation) {
        throw_if_interrupted();
        const double f = 0.5 + 0.5 * uniform();
        const double before = fit[best];
        for (std::size_t p = 0; p < pop.size(); ++p) {
          std::size_t pick[3];
          for (int k = 0; k < 3; ++k) {
            do {
              pick[k] = static_cast<std::size_t>(uniform() * static_cast<double>(pop.size())) %
                        pop.size();
            } while (pick[k] == p || (k > 0 && pick[k] == pick[0]) ||
                     (k > 1 && pick[k] == pick[1]));
          }
          std::vector<double> trial = pop[p];
          const auto forced =
              static_cast<std::size_t>(uniform() * static_cast<double>(genes)) % genes;
          for (std::size_t g = 0; g < genes; ++g) {
            if (g != forced && !(uniform() < 0.7)) continue;
            double v = pop[pick[0]][g] + f * (pop[pick[1]][g] - pop[pick[2]][g]);
            if (o.clip) v = std::clamp(v, lo[g], hi[g]);
            trial[g] = v;
          }
          set_genes(trial);
          const double tf = fitness(net, from, h_pos, y_pos, h_neg, y_neg);
          if (tf >= fit[p]) {
            pop[p] = std::move(trial);
            fit[p] = tf;
            if (tf > fit[best]) best = p;
          }
        }
        history.push_back(fit[best]);
        stale = static_cast<float>(fit[best]) == static_cast<float>(before) ? stale + 1 : 0;
      }
      set_genes(pop[best]);
      record["de"] = {{"generations", generation},
                      {"best_fitness", history},
                      {"inputs", {{"i_pos", h_pos.size(0)}, {"i_neg", h_neg.size(0)}}}};
    }
    record["seconds"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return record;
  };
  return m;
}

}  // namespace pmt::targeted
