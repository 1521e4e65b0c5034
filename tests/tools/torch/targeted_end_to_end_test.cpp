// cluster -> tmr -> gen_acc -> ratio --same on mnist_mlp, as processes (the targeted mutants' done
// criterion), on a generated 28x28 dataset in which every class is a bright band of rows (its
// label) drawn on the left or the right half (two styles): `cluster` separates the styles of
// class 0, tmr retrains sound instances to mispredict one style, and the analysis tools read
// the mutants. Then arachne on the same clusters, and the bad-input cases (a cluster that does
// not exist, a missing sound instance): one-line errors, nothing written. cluster, tmr, arachne and
// embed killed with SIGKILL and rerun give an uninterrupted run's files. A minute or so in all.
#include <ATen/CPUGeneratorImpl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "pmt/io/npy.hpp"
#include "pmt/model/dataset.hpp"
#include "pmt/train/network.hpp"
#include "support/process.hpp"
#include "support/torch_catch.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

void write_styles(const fs::path& dir, const std::string& prefix, int n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> noise(0, 25);
  pmt::model::IdxArray x{{n, 28, 28}, {}}, y{{n}, {}};
  for (int i = 0; i < n; ++i) {
    const int label = i % 10, style = (i / 10) % 2;
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) {
        const bool bright = r / 2 == label + 2 && (c < 14) == (style == 0);
        x.data.push_back(
            static_cast<std::uint8_t>(std::clamp((bright ? 220 : 20) + noise(gen), 0.0, 255.0)));
      }
    y.data.push_back(static_cast<std::uint8_t>(label));
  }
  fs::create_directories(dir);
  pmt::model::write_idx(dir / (prefix + "-images-idx3-ubyte"), x);
  pmt::model::write_idx(dir / (prefix + "-labels-idx1-ubyte"), y);
}

struct Run {
  fs::path root = fs::temp_directory_path() / ("pmt_tmr_e2e_" + std::to_string(getpid()));
  fs::path err = root / "stderr.txt", out = root / "stdout.txt";
  Run() {
    fs::remove_all(root);
    write_styles(root / "datasets" / "mnist", "train", 1000, 1);
    write_styles(root / "datasets" / "mnist", "t10k", 400, 2);
  }
  ~Run() { fs::remove_all(root); }
  int tool(const std::string& name, std::vector<std::string> args) {
    std::vector<std::string> a{std::string(PMT_BINARY_DIR) + "/tools/" + name, "--data-root",
                               root.string()};
    a.insert(a.end(), args.begin(), args.end());
    return pmt::test::run(a, err, out);
  }
  std::string stdout_text() const { return pmt::test::slurp(out); }
  std::string stderr_text() const { return pmt::test::slurp(err); }
};

const char* kModel = "mnist_mlp";

}  // namespace

TEST_CASE("cluster -> tmr -> gen_acc -> ratio --same on mnist_mlp, then arachne, then bad input",
          "[targeted][e2e]") {
  Run r;
  REQUIRE(r.tool("train_mutants",
                 {"--model", kModel, "--instances", "0-5", "--jobs", "2", "--threads", "1"}) == 0);
  const std::vector<std::string> cluster{"--model",
                                         kModel,
                                         "--classes",
                                         "0",
                                         "--scalings",
                                         "max",
                                         "--thresholds",
                                         "off",
                                         "--components",
                                         "5",
                                         "--min-cluster-sizes",
                                         "10",
                                         "--pipeline",
                                         "all/max/pca/kmeans-2",
                                         "--no-plot",
                                         "--proc",
                                         "1"};
  REQUIRE(r.tool("cluster", cluster) == 0);
  const auto clusters = pmt::io::read_npy(r.root / "clusters" / kModel / "clusters.npy");
  REQUIRE(clusters.data.size() == 1000);
  // the two styles of class 0 are the two clusters
  int agree = 0, class0 = 0;
  for (int i = 0; i < 1000; i += 10, ++class0)
    agree +=
        (clusters.data[static_cast<std::size_t>(i)] == clusters.data[0]) == ((i / 10) % 2 == 0);
  CHECK(agree == class0);

  REQUIRE(r.tool("weak_test_set", {"--model", kModel, "--instance", "0", "--out",
                                   (r.root / "weak" / "t10k-images-idx3-ubyte").string()}) == 0);
  const std::vector<std::string> tmr{
      "--model",         kModel,
      "--classes",       "0",
      "--cluster",       "0",
      "--epochs",        "3",
      "--batch-size",    "8",
      "--jobs",          "2",
      "--threads",       "1",
      "--weak-test-set", (r.root / "weak" / "t10k-images-idx3-ubyte").string(),
      "--json"};
  REQUIRE(r.tool("tmr", tmr) == 0);
  const json j = json::parse(r.stdout_text());
  CHECK(j["made"] == 6);
  REQUIRE(j["targets"].size() == 1);
  const json& t = j["targets"][0];
  CHECK(t["parameter"] == "c0_k0_e3_b8");
  std::map<std::string, json> sets;
  for (const auto& s : t["sets"]) sets[s["set"].get<std::string>()] = s;
  REQUIRE(sets.count("weak_test") == 1);
  // Originals are right on I_neg and I_pos by construction; the mutants mispredict the cluster
  // (measured: 68% of it) far more than the class's other cluster (40%), and the other classes
  // stay within 5 points of the originals.
  CHECK(sets["i_neg"]["mean_original"] == 1.0);
  CHECK(sets["i_pos"]["mean_original"] == 1.0);
  const double neg = sets["i_neg"]["mean_mutant"], pos = sets["i_pos"]["mean_mutant"];
  INFO("mutant accuracy: I_neg " << neg << ", I_pos " << pos);
  CHECK(neg < 0.5);
  CHECK(neg + 0.2 < pos);
  CHECK(sets["test_other"]["mean_mutant"].get<double>() >
        sets["test_other"]["mean_original"].get<double>() - 0.05);
  CHECK(sets["i_neg"]["different"] == true);  // 6 pairs: exact p = 0.03125 when all drop
  const fs::path folder = r.root / "trained_models" / kModel / "tmr_c0_k0_e3_b8";
  const json side = json::parse(pmt::test::slurp(folder / "instance_3.json"));
  CHECK(side["class"] == 0);
  CHECK(side["evaluation"]["i_neg"]["inputs"].get<int>() > 10);
  CHECK(fs::exists(r.root / "targeted" / kModel / "tmr_c0_k0_e3_b8.json"));

  // A rerun resumes: nothing made, the same statistics from the sidecars.
  REQUIRE(r.tool("tmr", tmr) == 0);
  const json again = json::parse(r.stdout_text());
  CHECK(again["made"] == 0);
  CHECK(again["skipped"] == 6);
  CHECK(again["targets"] == j["targets"]);

  // --rehearse: the retrainings also see 200 inputs of the other classes (true labels); a
  // parameter of its own, the count in the sidecar, other mutants than without it.
  std::vector<std::string> rehearse = tmr;
  rehearse.insert(rehearse.end() - 1, {"--rehearse", "200"});
  REQUIRE(r.tool("tmr", rehearse) == 0);
  const json jr = json::parse(r.stdout_text());
  REQUIRE(jr["targets"].size() == 1);
  CHECK(jr["targets"][0]["parameter"] == "c0_k0_e3_r200_b8");
  const fs::path rfolder = r.root / "trained_models" / kModel / "tmr_c0_k0_e3_r200_b8";
  CHECK(json::parse(pmt::test::slurp(rfolder / "instance_3.json"))["method"]["rehearsal"] == 200);
  CHECK(pmt::test::slurp(rfolder / "instance_3.pt") != pmt::test::slurp(folder / "instance_3.pt"));
  // --fresh-rehearsal: every epoch (3 on I_neg, 1 on I_pos) sees 200 other inputs of its own:
  // 800 draws, all distinct (the 900 training inputs of classes 1-9 last that long).
  std::vector<std::string> fresh = rehearse;
  fresh.insert(fresh.end() - 1, "--fresh-rehearsal");
  REQUIRE(r.tool("tmr", fresh) == 0);
  CHECK(json::parse(r.stdout_text())["targets"][0]["parameter"] == "c0_k0_e3_rf200_b8");
  const json fm = json::parse(pmt::test::slurp(
      r.root / "trained_models" / kModel / "tmr_c0_k0_e3_rf200_b8" / "instance_3.json"))["method"];
  CHECK(fm["rehearsal"] == 800);
  CHECK(fm["rehearsal_distinct"] == 800);
  CHECK(r.tool("tmr", {"--model", kModel, "--classes", "0", "--fresh-rehearsal"}) == 2);
  CHECK(r.stderr_text().find("--fresh-rehearsal needs --rehearse") != std::string::npos);
  // --distill: the rehearsal inputs' targets are the sound instance's probabilities, not their
  // labels: a parameter of its own, other mutants.
  std::vector<std::string> distill = fresh;
  distill.insert(distill.end() - 1, "--distill");
  REQUIRE(r.tool("tmr", distill) == 0);
  CHECK(json::parse(r.stdout_text())["targets"][0]["parameter"] == "c0_k0_e3_rf200d_b8");
  const fs::path models = r.root / "trained_models" / kModel;
  CHECK(pmt::test::slurp(models / "tmr_c0_k0_e3_rf200d_b8" / "instance_3.pt") !=
        pmt::test::slurp(models / "tmr_c0_k0_e3_rf200_b8" / "instance_3.pt"));
  CHECK(r.tool("tmr", {"--model", kModel, "--classes", "0", "--distill"}) == 2);
  CHECK(r.stderr_text().find("--distill needs --rehearse") != std::string::npos);
  // --freeze 2: mnist_mlp's hidden dense layer (layer 1) keeps the sound weights, the output
  // layer is retrained.
  std::vector<std::string> freeze = tmr;
  freeze.insert(freeze.end() - 1, {"--freeze", "2"});
  REQUIRE(r.tool("tmr", freeze) == 0);
  CHECK(json::parse(r.stdout_text())["targets"][0]["parameter"] == "c0_k0_e3_b8_fz2");
  const auto load = [&](const fs::path& dir) {
    const json sidecar = json::parse(pmt::test::slurp(dir / "instance_3.json"));
    auto net = std::make_unique<pmt::train::SubjectNet>(
        pmt::model::parse_subject(sidecar["spec"], "sidecar"),
        at::make_generator<at::CPUGeneratorImpl>(0));
    pmt::train::load_net(*net, dir / "instance_3.pt");
    return net->named_parameters();
  };
  auto sound = load(models / "original"), frozen = load(models / "tmr_c0_k0_e3_b8_fz2");
  CHECK(torch::equal(sound["layer1.weight"], frozen["layer1.weight"]));
  CHECK(torch::equal(sound["layer1.bias"], frozen["layer1.bias"]));
  CHECK_FALSE(torch::equal(sound["layer2.weight"], frozen["layer2.weight"]));
  CHECK(r.tool("tmr", {"--model", kModel, "--classes", "0", "--freeze", "3"}) == 2);
  CHECK(r.stderr_text().find("--freeze 3: mnist_mlp has no dense or conv layer from layer 3 on") !=
        std::string::npos);

  // Killed with SIGKILL at a random point, then rerun: the uninterrupted run's outputs byte for
  // byte, no temporary file left behind (tmr here; arachne and embed below).
  std::mt19937 gen(std::random_device{}());
  const auto files = [](const fs::path& dir, const std::string& part) {
    std::map<std::string, std::string> found;
    if (fs::exists(dir))
      for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().find(part) != std::string::npos)
          found[e.path().filename().string()] = pmt::test::slurp(e.path());
    return found;
  };
  // `args` already ran uninterrupted and wrote `dir`'s files named *`part`*; kill a second run
  // once one of them exists (or after a random delay when `wait_for_file` is false), rerun.
  const auto kill_and_rerun = [&](const std::string& tool, const std::vector<std::string>& args,
                                  const fs::path& dir, const std::string& part,
                                  bool wait_for_file) {
    INFO(tool << " killed and rerun");
    const auto want = files(dir, part);
    REQUIRE_FALSE(want.empty());
    fs::remove_all(dir);
    std::vector<std::string> a{std::string(PMT_BINARY_DIR) + "/tools/" + tool, "--data-root",
                               r.root.string()};
    a.insert(a.end(), args.begin(), args.end());
    const pid_t pid = pmt::test::spawn(a, r.err, r.out);
    if (wait_for_file) REQUIRE(pmt::test::poll([&] { return !files(dir, part).empty(); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(gen() % 300));
    kill(pid, SIGKILL);
    const int status = pmt::test::wait_for(pid);
    CHECK((status == 1000 + SIGKILL || status == 0));
    REQUIRE(r.tool(tool, args) == 0);
    CHECK(files(dir, part) == want);
    CHECK(files(dir, ".tmp").empty());
  };
  kill_and_rerun("tmr", tmr, folder, ".pt", true);
  CHECK(json::parse(r.stdout_text())["targets"] == j["targets"]);
  kill_and_rerun("cluster", cluster, r.root / "clusters" / kModel, "clusters.", false);

  // The analysis tools read the mutants (mutant i paired with sound instance i).
  REQUIRE(r.tool("gen_acc", {"--model", kModel}) == 0);
  REQUIRE(r.tool("gen_acc", {"--model", kModel, "--mut", "tmr", "--param", "c0_k0_e3_b8"}) == 0);
  REQUIRE(r.tool("ratio", {"--model", kModel, "--mut", "tmr", "--param", "c0_k0_e3_b8", "--same",
                           "--sample-size", "5", "--bootstraps", "20", "--trials", "20",
                           "--mc-reps", "2", "--json"}) == 0);
  const json ratio = json::parse(r.stdout_text());
  CHECK(ratio.dump().find("c0_k0_e3_b8") != std::string::npos);

  // arachne (Gaussian noise on the hidden layer's localised weights) runs on the same clusters.
  REQUIRE(r.tool("arachne", {"--model", kModel, "--classes", "0", "--cluster", "1", "--instances",
                             "0-1", "--method", "gn", "--layer", "1", "--json"}) == 0);
  const json a = json::parse(r.stdout_text());
  REQUIRE(a["targets"].size() == 1);
  const json aside = json::parse(pmt::test::slurp(r.root / "trained_models" / kModel /
                                                  "arachne_c0_k1_gn_layer1" / "instance_0.json"));
  CHECK(aside["method"]["localised"].get<int>() >= 1);
  CHECK(aside["method"]["candidates"] == 64 * 784);
  // differential evolution, a tiny search
  REQUIRE(r.tool("arachne", {"--model", kModel, "--classes", "0", "--cluster", "1", "--instances",
                             "0", "--method", "de", "--layer", "1", "--population", "6",
                             "--generations", "2", "--max-inputs", "20", "--json"}) == 0);
  const json dside = json::parse(pmt::test::slurp(r.root / "trained_models" / kModel /
                                                  "arachne_c0_k1_de_layer1" / "instance_0.json"));
  CHECK(dside["method"]["de"]["generations"].get<int>() >= 1);
  // the best fitness never decreases (elitist replacement)
  const auto& h = dside["method"]["de"]["best_fitness"];
  for (std::size_t k = 1; k < h.size(); ++k) CHECK(h[k].get<double>() >= h[k - 1].get<double>());
  // unclipped genes: a folder of its own beside the clipped run's
  REQUIRE(r.tool("arachne", {"--model", kModel, "--classes", "0", "--cluster", "1", "--instances",
                             "0", "--method", "de", "--layer", "1", "--population", "6",
                             "--generations", "2", "--max-inputs", "20", "--no-clip"}) == 0);
  CHECK(json::parse(
            pmt::test::slurp(r.root / "trained_models" / kModel / "arachne_c0_k1_de_layer1_noclip" /
                             "instance_0.json"))["settings"]["clip"] == false);
  kill_and_rerun("arachne",
                 {"--model", kModel, "--classes", "0", "--cluster", "1", "--instances", "0-1",
                  "--method", "gn", "--layer", "1"},
                 r.root / "trained_models" / kModel / "arachne_c0_k1_gn_layer1", ".pt", true);
  // embed (the VAE; one file written at the end): killed after a random delay, then rerun
  const std::vector<std::string> embed{"--model", kModel, "--epochs", "3", "--proc", "1"};
  REQUIRE(r.tool("embed", embed) == 0);
  kill_and_rerun("embed", embed, r.root / "embeddings" / kModel, ".npy", false);

  // Bad input: a cluster that does not exist (usage, exit 2), a missing sound instance (exit 1);
  // one line naming the problem, nothing written.
  CHECK(r.tool("tmr", {"--model", kModel, "--classes", "0", "--cluster", "7"}) == 2);
  INFO(r.stderr_text());
  CHECK(r.stderr_text().find("class 0 has clusters 0, 1") != std::string::npos);
  const std::string err = r.stderr_text();
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  CHECK_FALSE(fs::exists(r.root / "trained_models" / kModel / "tmr_c0_k7_e2"));
  CHECK(r.tool("tmr", {"--model", kModel, "--classes", "0", "--instances", "0-9"}) == 1);
  CHECK(r.stderr_text().find("instance_6.pt: no such sound instance (and 3 more)") !=
        std::string::npos);
  CHECK(
      r.stderr_text().find("train_mutants --model mnist_mlp --mut original --instances 6,7,8,9") !=
      std::string::npos);
  CHECK_FALSE(fs::exists(r.root / "trained_models" / kModel / "tmr_c0_k0_e2"));
  CHECK(r.tool("tmr", {"--model", kModel, "--classes", "3"}) == 2);
  CHECK(r.stderr_text().find("no clusters of class 3") != std::string::npos);
  CHECK(r.tool("tmr", {"--model", kModel, "--clusters", (r.root / "nope.npy").string()}) == 1);
  CHECK(r.stderr_text().find("nope.npy: no such file") != std::string::npos);
  // mutate_model and train_mutants point to the tool that makes targeted mutants
  CHECK(r.tool("mutate_model", {"--model", kModel, "--mut", "tmr", "--param", "c0_k0_e2"}) == 2);
  CHECK(r.stderr_text().find("the tmr tool") != std::string::npos);
}
