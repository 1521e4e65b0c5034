// The thesis' convolutional variational autoencoder (USI 2024 thesis, section 5.1.2, Table 5.1;
// Kingma & Welling, ICLR 2014) as a reduction for the `cluster` search: trained with LibTorch on
// all classes of a split ("vae") or one VAE per class ("vae_s", the thesis' "VAE single class"),
// its latent means written as an NPY of one row per input, which `cluster --embedding` reads.
//
// Layers (Table 5.1): conv1 Conv2d(1, 16, 5, stride 2), conv2 Conv2d(16, 32, 5, stride 2),
// linear1 512 -> 300, mu and logvar 300 -> latent, linear2 latent -> 300, linear3 300 -> 512,
// conv3 ConvTranspose2d(32, 16, 5, stride 2), conv4 ConvTranspose2d(16, 1, 5, stride 2), conv5
// ConvTranspose2d(1, 1, 4, stride 1): 1 x 28 x 28 in and out. The table says latent 5, the text
// 10 (TH:1036-1040): 10 by default. Not stated by the thesis, pmt's choices: ReLU after every
// hidden layer but conv4 (one channel: a ReLU there dies and leaves conv5 only its bias; the
// loss then stalled at its initial value in embed_test); the reconstruction loss summed over
// pixels, binary cross-entropy on a sigmoid output when every input is in [0, 1] (else squared
// error on a linear output), plus the KL divergence to N(0, I); Adam (lr 1e-3), batches of 128, the
// reparameterisation trick; LibTorch's default initialisation. 100 epochs as the thesis (TH:1029).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pmt::train {

struct VaeOptions {
  int latent = 10;
  int epochs = 100;
  int batch_size = 128;
  double learning_rate = 1e-3;
  std::string loss = "auto";  // auto, bce, mse
  std::uint64_t seed = 42;
  int threads = 0;  // intra-op threads (0: all cores)
};

struct VaeFit {
  std::vector<float> codes;        // n x latent, row-major: each input's latent mean
  std::vector<double> epoch_loss;  // mean loss per input, per epoch (reconstruction + KL)
  std::string loss;                // the reconstruction loss used: bce or mse
  double seconds = 0;
};

// Trains one VAE on n images of 1 x 28 x 28 values (row-major) and encodes them. Throws
// pmt::Error (usage) for bad options or too few images, (data) for non-finite values or "bce"
// on values outside [0, 1]. `progress_label` names the stderr progress line ("" for none).
VaeFit fit_vae(const std::vector<float>& x, std::int64_t n, const VaeOptions& options,
               const std::string& progress_label = "");

}  // namespace pmt::train
