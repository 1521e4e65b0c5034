// The thesis' convolutional VAE (see vae.hpp).
#include "pmt/train/vae.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "pmt/core/error.hpp"
#include "pmt/core/parallel.hpp"
#include "pmt/core/rng.hpp"
#include "pmt/io/atomic_file.hpp"
#include "pmt/io/npy.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/model/subject.hpp"
#include "pmt/train/runtime.hpp"

namespace pmt::train {

namespace fs = std::filesystem;
namespace F = torch::nn::functional;

namespace {

struct ConvVaeImpl : torch::nn::Module {
  explicit ConvVaeImpl(int latent)
      : conv1(torch::nn::Conv2dOptions(1, 16, 5).stride(2)),
        conv2(torch::nn::Conv2dOptions(16, 32, 5).stride(2)),
        linear1(512, 300),
        mu(300, latent),
        logvar(300, latent),
        linear2(latent, 300),
        linear3(300, 512),
        conv3(torch::nn::ConvTranspose2dOptions(32, 16, 5).stride(2)),
        conv4(torch::nn::ConvTranspose2dOptions(16, 1, 5).stride(2)),
        conv5(torch::nn::ConvTranspose2dOptions(1, 1, 4).stride(1)) {
    register_module("conv1", conv1);
    register_module("conv2", conv2);
    register_module("linear1", linear1);
    register_module("mu", mu);
    register_module("logvar", logvar);
    register_module("linear2", linear2);
    register_module("linear3", linear3);
    register_module("conv3", conv3);
    register_module("conv4", conv4);
    register_module("conv5", conv5);
  }
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& x) {
    auto h = torch::relu(conv2(torch::relu(conv1(x))));  // 32 x 4 x 4
    h = torch::relu(linear1(h.flatten(1)));
    return {mu(h), logvar(h)};
  }
  torch::Tensor decode(const torch::Tensor& z) {  // logits (bce) or values (mse)
    auto h = torch::relu(linear3(torch::relu(linear2(z)))).view({-1, 32, 4, 4});
    // no ReLU on conv4's single channel: it would die and leave conv5 only its bias
    return conv5(conv4(torch::relu(conv3(h))));  // 11 -> 25 -> 28
  }
  torch::nn::Conv2d conv1, conv2;
  torch::nn::Linear linear1, mu, logvar, linear2, linear3;
  torch::nn::ConvTranspose2d conv3, conv4, conv5;
};
TORCH_MODULE(ConvVae);

}  // namespace

VaeFit fit_vae(const std::vector<float>& x, std::int64_t n, const VaeOptions& o,
               const std::string& progress_label) {
  PMT_THROW_IF(o.latent < 1 || o.epochs < 1 || o.batch_size < 1 || !(o.learning_rate > 0), kUsage,
               "VAE: latent, epochs, batch size and learning rate must be positive");
  PMT_THROW_IF(o.loss != "auto" && o.loss != "bce" && o.loss != "mse", kUsage,
               "VAE: --loss auto, bce or mse, got '{}'", o.loss);
  PMT_THROW_IF(n < 2, kUsage, "VAE: {} image(s); at least 2 needed", n);
  PMT_THROW_IF(static_cast<std::int64_t>(x.size()) != n * 784, kUsage,
               "VAE: {} values for {} images of 1 x 28 x 28", x.size(), n);
  bool unit = true;
  for (float v : x) {
    PMT_THROW_IF(!std::isfinite(v), kData, "VAE: the inputs hold NaN or infinite values");
    unit = unit && v >= 0 && v <= 1;
  }
  VaeFit fit;
  fit.loss = o.loss == "auto" ? (unit ? "bce" : "mse") : o.loss;
  PMT_THROW_IF(fit.loss == "bce" && !unit, kData,
               "VAE: binary cross-entropy needs inputs in [0, 1] (scale them: --scaling max or "
               "minmax), or use --loss mse");
  const auto t0 = std::chrono::steady_clock::now();
  train::use_threads(o.threads > 0 ? o.threads : static_cast<int>(pmt::resolve_proc(0)));
  torch::manual_seed(o.seed);
  ConvVae model(o.latent);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(o.learning_rate));
  const torch::Tensor data =
      torch::from_blob(const_cast<float*>(x.data()), {n, 1, 28, 28}, torch::kFloat).clone();
  const bool bce = fit.loss == "bce";
  std::unique_ptr<pmt::Progress> progress;
  if (!progress_label.empty())
    progress = std::make_unique<pmt::Progress>(progress_label, static_cast<std::size_t>(o.epochs));
  model->train();
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    const torch::Tensor order = torch::randperm(n, torch::kLong);
    double total = 0;
    for (std::int64_t start = 0; start < n; start += o.batch_size) {
      const torch::Tensor batch =
          data.index_select(0, order.slice(0, start, std::min(n, start + o.batch_size)));
      auto [mu, logvar] = model->encode(batch);
      const torch::Tensor z = mu + torch::randn_like(mu) * torch::exp(0.5 * logvar);
      const torch::Tensor out = model->decode(z);
      const torch::Tensor rec =
          bce ? F::binary_cross_entropy_with_logits(
                    out, batch, F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum))
              : F::mse_loss(out, batch, F::MSELossFuncOptions().reduction(torch::kSum));
      const torch::Tensor kl = -0.5 * torch::sum(1 + logvar - mu.pow(2) - logvar.exp());
      const torch::Tensor loss = rec + kl;
      opt.zero_grad();
      loss.backward();
      opt.step();
      total += loss.item<double>();
    }
    fit.epoch_loss.push_back(total / static_cast<double>(n));
    PMT_THROW_IF(!std::isfinite(fit.epoch_loss.back()), kData,
                 "VAE: the loss diverged (epoch {}); lower the learning rate", epoch + 1);
    if (progress) progress->advance();
  }
  model->eval();
  torch::NoGradGuard no_grad;
  fit.codes.reserve(static_cast<std::size_t>(n * o.latent));
  for (std::int64_t start = 0; start < n; start += 1024) {
    const torch::Tensor mu =
        model->encode(data.slice(0, start, std::min(n, start + 1024))).first.contiguous();
    const float* p = mu.data_ptr<float>();
    fit.codes.insert(fit.codes.end(), p, p + mu.numel());
  }
  fit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return fit;
}

}  // namespace pmt::train
