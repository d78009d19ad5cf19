// The Model page's ImageNet weights row (offscreen), against a loopback HTTP server run by the
// test: the status says whether the file is here or will be downloaded, "Download now" fills the
// progress bar and caches a verified file, a corrupt file shows the checksum error and nothing is
// cached, Cancel saves nothing, an unreachable server shows the offline message; choosing
// ImageNet suggests 224 px unless the size was set by hand.
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QStandardPaths>
#include <QtTest>
#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>

#include <QComboBox>
#include <QXmlStreamReader>

#include "api/studio_api.h"
#include "config/run_config.h"
#include "language.h"
#include "model_card_view.h"
#include "model_gallery.h"
#include "model_speeds.h"
#include "loopback_http.h"
#include "model_page.h"
#include "test_support.h"

namespace fs = std::filesystem;

namespace {

using ft::test::closedPort;
using ft::test::LoopbackServer;
using ft::test::randomBytes;

// A body served in 16 KiB chunks with `delayMs` between them.
LoopbackServer::Response served(std::string body, int delayMs) {
  LoopbackServer::Response response;
  response.body = std::move(body);
  response.chunkDelayMs = delayMs;
  return response;
}

QByteArray baseUrl(const LoopbackServer& server) { return QByteArray::fromStdString(server.baseUrl()); }

template <class Widget>
Widget* child(QWidget* root, const char* name) {
  auto* widget = root->findChild<Widget*>(QLatin1String(name));
  if (!widget) qFatal("no widget named %s", name);
  return widget;
}

}  // namespace

class ModelPageTest final : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish));
    qputenv("no_proxy", "127.0.0.1,localhost");
    qputenv("NO_PROXY", "127.0.0.1,localhost");
    qunsetenv("TORCH_HOME");  // the torch.hub folder is then under XDG_CACHE_HOME too
    qputenv("XDG_CACHE_HOME", QByteArray::fromStdString(m_cacheHome.path().string()));
    qputenv("FINETUNE_WEIGHTS_BASE_URL", baseUrl(m_server));
  }

  void init() { fs::remove_all(cacheDir()); }

  void imageNetSuggests224UnlessTheSizeWasSetByHand() {
    ft::ui::ModelPage page;
    page.load(ft::config::RunConfig{});  // as the wizard does
    auto* size = child<QSpinBox>(&page, "inputSize");
    QCOMPARE(size->value(), 32);
    child<QRadioButton>(&page, "weightsImageNet")->click();
    QCOMPARE(size->value(), 224);

    ft::ui::ModelPage edited;
    edited.load(ft::config::RunConfig{});
    auto* editedSize = child<QSpinBox>(&edited, "inputSize");
    editedSize->setValue(64);
    child<QRadioButton>(&edited, "weightsImageNet")->click();
    QCOMPARE(editedSize->value(), 64);

    ft::config::RunConfig config;  // a size chosen in a loaded configuration is kept too
    config.transform.inputSize = 48;
    ft::ui::ModelPage loaded;
    loaded.load(config);
    child<QRadioButton>(&loaded, "weightsImageNet")->click();
    QCOMPARE(child<QSpinBox>(&loaded, "inputSize")->value(), 48);
  }

  void inputSizeFollowsTheWeightsBackAndForth() {
    ft::ui::ModelPage page;
    page.load(ft::config::RunConfig{});
    auto* size = child<QSpinBox>(&page, "inputSize");
    auto* note = child<QLabel>(&page, "sizeFollowsNote");
    QCOMPARE(size->value(), 32);
    QVERIFY(note->isHidden());
    child<QRadioButton>(&page, "weightsImageNet")->click();
    QCOMPARE(size->value(), 224);
    QVERIFY(!note->isHidden());
    QVERIFY2(note->text().contains(QLatin1String("224")), qPrintable(note->text()));
    // None again: back to 32, not a 50x slower run at the next click.
    child<QRadioButton>(&page, "weightsNone")->click();
    QCOMPARE(size->value(), 32);
    QVERIFY2(note->text().contains(QLatin1String("32")), qPrintable(note->text()));
    // Another architecture while ImageNet is chosen: its weights' size (224 for all of them).
    child<QRadioButton>(&page, "weightsImageNet")->click();
    auto* arch = child<QComboBox>(&page, "architecture");
    arch->setCurrentIndex(arch->findData(QStringLiteral("mobilenet_v3_small")));
    QCOMPARE(size->value(), 224);
    // Set by hand: the weights no longer move it, and the note goes.
    size->setValue(96);
    QVERIFY(note->isHidden());
    child<QRadioButton>(&page, "weightsNone")->click();
    QCOMPARE(size->value(), 96);
  }

  // ViT-B/16 cuts images into 16x16 patches: choosing it rounds the size to a multiple of 16 and
  // steps the spin box by 16; leaving it steps by 1 again. Its speed is timed at such a size.
  void aPatchedArchitectureTakesMultiplesOfItsPatch() {
    ft::ui::ModelPage page;
    page.load(ft::config::RunConfig{});
    auto* size = child<QSpinBox>(&page, "inputSize");
    auto* note = child<QLabel>(&page, "sizeFollowsNote");
    auto* arch = child<QComboBox>(&page, "architecture");
    size->setValue(50);
    arch->setCurrentIndex(arch->findData(QStringLiteral("vit_b_16")));
    QCOMPARE(size->value(), 48);
    QCOMPARE(size->singleStep(), 16);
    QVERIFY(!note->isHidden());
    QVERIFY2(note->text().contains(QLatin1String("ViT-B/16")) && note->text().contains(QLatin1String("16")),
             qPrintable(note->text()));
    // A size typed by hand is rounded when the edit ends, and never stored unrounded.
    size->setValue(70);
    ft::config::RunConfig stored;
    page.store(stored);
    QCOMPARE(stored.transform.inputSize, 64);
    try {
      ft::config::validate(stored);
    } catch (const std::exception& e) {
      QFAIL(e.what());
    }
    Q_EMIT size->editingFinished();
    QCOMPARE(size->value(), 64);
    arch->setCurrentIndex(arch->findData(QStringLiteral("mobilenet_v2")));
    QCOMPARE(size->singleStep(), 1);
    QCOMPARE(size->value(), 64);
    QVERIFY(note->isHidden());
  }

  void everyArchitectureHasACardAndTheHistoryOpens() {
    ft::ui::ModelPage page;
    page.load(ft::config::RunConfig{});
    auto* arch = child<QComboBox>(&page, "architecture");
    auto* card = page.findChild<ft::ui::ModelCardView*>();
    QVERIFY(card);
    QCOMPARE(arch->count(), int(ft::api::architectures().size()));
    for (int i = 0; i < arch->count(); ++i) {
      arch->setCurrentIndex(i);
      const auto facts = ft::api::modelCard(arch->itemData(i).toString().toStdString());
      const QString text = card->cardText();
      QVERIFY2(text.contains(QString::fromStdString(facts.displayName)), qPrintable(text));
      QVERIFY2(text.contains(QString::number(facts.year)), qPrintable(text));
      QVERIFY2(text.contains(QString::fromStdString(facts.paper)), qPrintable(text));
      QVERIFY2(text.contains(QString::fromStdString(facts.introduced)), qPrintable(text));
      QVERIFY2(text.contains(QLocale().toString(facts.top1, 'f', 1)), qPrintable(text));
    }
    ft::ui::ModelHistoryDialog history("resnet50");
    const QString timeline = history.historyText();
    for (const auto& entry : ft::api::modelHistory())
      QVERIFY2(timeline.contains(QString::fromStdString(entry.title)), qPrintable(entry.title.c_str()));
    QVERIFY(timeline.indexOf(QLatin1String("AlexNet")) < timeline.indexOf(QLatin1String("ResNet")));
  }

  void galleryComparesEveryArchitectureAndTimesThemOnDemand() {
    ft::test::TempDir dir("gallery");
    ft::test::writeSyntheticIdx(dir / "data", 96, 48);
    ft::config::RunConfig config;
    config.data.path = (dir / "data").string();
    config.train.batchSize = 16;
    config.device.threads = 2;
    ft::ui::ModelPage page;
    page.load(config);
    page.enter(config);
    auto* arch = child<QComboBox>(&page, "architecture");
    arch->setCurrentIndex(arch->findData(QStringLiteral("mobilenet_v3_small")));
    auto* card = page.card();
    QVERIFY2(card->speedText().contains(QLatin1String("not measured")), qPrintable(card->speedText()));

    // The card times its architecture with the wizard's data and size, off the GUI thread.
    child<QPushButton>(&page, "measureSpeed")->click();
    QVERIFY(page.speeds()->isMeasuring());
    QTRY_VERIFY_WITH_TIMEOUT(!page.speeds()->isMeasuring(), 120000);
    const auto speed = page.speeds()->speed("mobilenet_v3_small");
    QVERIFY(speed.has_value());
    QVERIFY2(speed->error.isEmpty(), qPrintable(speed->error));
    QCOMPARE(speed->inputSize, 32);
    QCOMPARE(speed->batchSize, 16);
    // Both phases are timed; which is faster is a speed fact (BENCHMARKS.md), not behaviour:
    // on a loaded 2-core CI machine a 32-px head-only step can come out slower.
    QVERIFY(speed->frozen > 0.0);
    QVERIFY(speed->unfrozen > 0.0);
    QVERIFY2(card->speedText().contains(QLatin1String("img/s at 32 px, batch 16")),
             qPrintable(card->speedText()));
    // Speeds are per input size: at 48 px it is not known yet; back at 32 px it is again.
    auto* size = child<QSpinBox>(&page, "inputSize");
    size->setValue(48);
    QVERIFY2(card->speedText().contains(QLatin1String("not measured")), qPrintable(card->speedText()));
    size->setValue(32);
    QVERIFY(card->speedText().contains(QLatin1String("img/s")));

    // The gallery: every architecture, the measured one with its figures, sortable by number.
    ft::ui::ModelGalleryDialog gallery(page.speeds(), "mobilenet_v3_small");
    auto* table = gallery.table();
    using Column = ft::ui::ModelGalleryDialog::Column;
    QCOMPARE(table->rowCount(), int(ft::api::architectures().size()));
    QCOMPARE(gallery.selectedArchitecture(), std::string("mobilenet_v3_small"));
    table->sortItems(Column::Parameters, Qt::AscendingOrder);
    QCOMPARE(table->item(0, Column::Model)->text(), QStringLiteral("MobileNetV3-Small"));
    QCOMPARE(table->item(table->rowCount() - 1, Column::Model)->text(), QStringLiteral("VGG-16-BN"));
    table->sortItems(Column::Frozen, Qt::DescendingOrder);  // the only measured row comes first
    QCOMPARE(table->item(0, Column::Model)->text(), QStringLiteral("MobileNetV3-Small"));
    QCOMPARE(table->item(0, Column::Frozen)->text(), QLocale().toString(speed->frozen, 'f', 0));
    QVERIFY(table->item(1, Column::Frozen)->text().isEmpty());
    for (int row = 0; row < table->rowCount(); ++row) {
      const auto facts =
          ft::api::modelCard(table->item(row, Column::Model)->data(Qt::UserRole).toString().toStdString());
      QCOMPARE(table->item(row, Column::Year)->text(), QString::number(facts.year));
      QCOMPARE(table->item(row, Column::Top1)->text(), QLocale().toString(facts.top1, 'f', 1));
    }

    // "Measure speed on this machine" queues every other architecture; Stop drops the queue.
    child<QPushButton>(&gallery, "measureAll")->click();
    QVERIFY(page.speeds()->isMeasuring());
    QCOMPARE(page.speeds()->queued(), int(ft::api::architectures().size()) - 2);
    QVERIFY(gallery.statusText().contains(QLatin1String("Timing a few training batches")));
    child<QPushButton>(&gallery, "stopMeasuring")->click();
    QCOMPARE(page.speeds()->queued(), 0);
    QTRY_VERIFY_WITH_TIMEOUT(!page.speeds()->isMeasuring(), 120000);

    // "Use this model" picks the architecture on the page.
    Q_EMIT card->architectureChosen("resnet34");
    QCOMPARE(arch->currentData().toString(), QStringLiteral("resnet34"));
  }

  void cardAndHistoryTextIsTranslated() {
    // Every English text of the engine's cards is listed for lupdate (ui/model_card_text.cpp) and
    // translated in the zh_CN file.
    QFile ts(QStringLiteral(FT_SOURCE_DIR "/translations/finetune_studio_zh_CN.ts"));
    QVERIFY(ts.open(QIODevice::ReadOnly));
    QXmlStreamReader xml(&ts);
    QSet<QString> sources;
    QString context;
    while (!xml.atEnd()) {
      xml.readNext();
      if (xml.isStartElement() && xml.name() == QLatin1String("name")) context = xml.readElementText();
      if (xml.isStartElement() && xml.name() == QLatin1String("source") &&
          context == QLatin1String("ft::ui::ModelCards"))
        sources.insert(xml.readElementText());
    }
    const auto texts = ft::ui::modelTextsToTranslate();
    QVERIFY(texts.size() > 20);
    for (const auto& text : texts) QVERIFY2(sources.contains(QString::fromStdString(text)), text.c_str());
    ft::ui::applyLanguage(QStringLiteral("zh_CN"));
    int translated = 0;
    for (const auto& text : texts)
      translated += ft::ui::translatedModelText(text) != QString::fromStdString(text);
    ft::ui::applyLanguage(QString::fromLatin1(ft::ui::kEnglish));
    // Names (ImageNet, AlexNet, ResNet, ...) stay as they are; every sentence is in Chinese.
    QVERIFY2(translated >= int(texts.size()) - 8, qPrintable(QString::number(translated)));
  }

  void downloadFillsTheProgressBarAndCachesTheFile() {
    const std::string body = randomBytes(1'200'000, 1);
    m_server.add("/models/tiny-resnet.pth", served(body, 4));
    ft::ui::ModelPage page;
    page.show();
    chooseImageNet(page, "tiny-resnet.pth", ft::test::sha256Hex(body).substr(0, 16));
    QVERIFY2(page.downloadStatusText().contains(QStringLiteral("tiny-resnet.pth")) &&
                 page.downloadStatusText().contains(QStringLiteral("will be downloaded from 127.0.0.1")),
             qPrintable(page.downloadStatusText()));
    auto* download = child<QPushButton>(&page, "downloadWeights");
    auto* progress = child<QProgressBar>(&page, "weightsDownloadProgress");
    QVERIFY(download->isVisible());
    QVERIFY(!progress->isVisible());

    QList<int> values;
    connect(progress, &QProgressBar::valueChanged, this, [&values](int value) { values << value; });
    download->click();
    QVERIFY(page.isDownloading());
    QVERIFY(child<QPushButton>(&page, "cancelDownload")->isVisible());
    QVERIFY(page.isComplete());  // Next stays allowed: the trainer downloads on start too
    QTRY_VERIFY_WITH_TIMEOUT(!page.isDownloading(), 20000);

    QVERIFY2(page.downloadErrorText().isEmpty(), qPrintable(page.downloadErrorText()));
    QCOMPARE(progress->maximum(), 100);
    QCOMPARE(progress->value(), 100);
    QVERIFY(std::any_of(values.begin(), values.end(), [](int v) { return v > 0 && v < 100; }));
    QVERIFY2(page.downloadStatusText().contains(QStringLiteral("was downloaded")),
             qPrintable(page.downloadStatusText()));
    QVERIFY(fs::is_regular_file(cacheDir() / "tiny-resnet.pth"));
    QCOMPARE(fs::file_size(cacheDir() / "tiny-resnet.pth"), body.size());
    QVERIFY(!download->isVisible());

    // Another page finds it on this machine.
    ft::ui::ModelPage again;
    chooseImageNet(again, "tiny-resnet.pth", ft::test::sha256Hex(body).substr(0, 16));
    QVERIFY2(again.downloadStatusText().contains(QStringLiteral("already on this machine")),
             qPrintable(again.downloadStatusText()));
  }

  void corruptFileShowsTheChecksumErrorAndIsNotCached() {
    const std::string body = randomBytes(300'000, 2);
    std::string corrupt = body;
    corrupt[123'456] ^= 0x20;
    m_server.add("/models/corrupt.pth", served(corrupt, 0));
    ft::ui::ModelPage page;
    page.show();
    chooseImageNet(page, "corrupt.pth", ft::test::sha256Hex(body).substr(0, 16));
    child<QPushButton>(&page, "downloadWeights")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!page.isDownloading(), 20000);
    const QString error = child<QLabel>(&page, "weightsDownloadError")->text();
    QVERIFY2(error.contains(QStringLiteral("SHA-256")) && error.contains(QStringLiteral("Nothing was saved")),
             qPrintable(error));
    QVERIFY(child<QLabel>(&page, "weightsDownloadError")->isVisible());
    QVERIFY(!fs::exists(cacheDir() / "corrupt.pth"));
    QVERIFY(child<QPushButton>(&page, "downloadWeights")->isVisible());  // try again
    QVERIFY(page.isComplete());
  }

  void cancelSavesNothing() {
    m_server.add("/models/slow.pth", served(randomBytes(2'000'000, 3), 40));  // ~5 s in all
    ft::ui::ModelPage page;
    page.show();
    chooseImageNet(page, "slow.pth", "0123456789abcdef");
    child<QPushButton>(&page, "downloadWeights")->click();
    auto* progress = child<QProgressBar>(&page, "weightsDownloadProgress");
    QTRY_VERIFY_WITH_TIMEOUT(progress->value() > 0, 10000);
    child<QPushButton>(&page, "cancelDownload")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!page.isDownloading(), 10000);
    QVERIFY2(page.downloadStatusText().contains(QStringLiteral("cancelled")),
             qPrintable(page.downloadStatusText()));
    QVERIFY(page.downloadErrorText().isEmpty());
    QVERIFY(!fs::exists(cacheDir() / "slow.pth"));
  }

  void unreachableServerShowsTheOfflineMessage() {
    qputenv("FINETUNE_WEIGHTS_BASE_URL", "http://127.0.0.1:" + QByteArray::number(closedPort()) + "/models");
    ft::ui::ModelPage page;  // the official file of ResNet-18: its size is known
    page.show();
    child<QRadioButton>(&page, "weightsImageNet")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!page.isCheckingCache(), 20000);
    QVERIFY2(page.downloadStatusText().contains(QStringLiteral("resnet18-f37072fd.pth (44.7 MiB)")),
             qPrintable(page.downloadStatusText()));
    child<QPushButton>(&page, "downloadWeights")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!page.isDownloading(), 20000);
    const QString error = child<QLabel>(&page, "weightsDownloadError")->text();
    QVERIFY2(error.contains(QStringLiteral("Without internet access")) &&
                 error.contains(QString::fromStdString((cacheDir() / "resnet18-f37072fd.pth").string())),
             qPrintable(error));
    QVERIFY(page.isComplete());
    qputenv("FINETUNE_WEIGHTS_BASE_URL", baseUrl(m_server));
  }

 private:
  fs::path cacheDir() const { return m_cacheHome.path() / "finetune-studio" / "weights"; }

  static void chooseImageNet(ft::ui::ModelPage& page, const std::string& name, const std::string& sha) {
    page.setWeightsFileForTesting(name, sha);
    child<QRadioButton>(&page, "weightsImageNet")->click();
    QTRY_VERIFY_WITH_TIMEOUT(!page.isCheckingCache(), 20000);
  }

  ft::test::TempDir m_cacheHome{"model-page-cache"};
  LoopbackServer m_server;
};

QTEST_MAIN(ModelPageTest)
#include "model_page_test.moc"
