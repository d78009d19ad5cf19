#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>

#include "icons.h"
#include "api/about_api.h"
#include "api/studio_api.h"
#include "common/error.h"
#include "language.h"
#include "studio_settings.h"
#include "studio_wizard.h"
#include "training_controller.h"

namespace ft::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setObjectName(QStringLiteral("studioMainWindow"));
  setWindowIcon(applicationIcon());
  m_wizard = new StudioWizard(this);
  setCentralWidget(m_wizard);
  buildMenus();
  retranslateUi();
  restoreWindow();

  connect(m_wizard, &StudioWizard::trainingStarted, this, &MainWindow::updateActions);
  connect(m_wizard, &StudioWizard::stepChanged, this, &MainWindow::updateActions);
  connect(m_wizard, &StudioWizard::trainingFinished, this, [this] {
    updateActions();
    if (m_closeAfterStop) close();
  });
  updateActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  m_fileMenu = menuBar()->addMenu(QString());
  m_openRun = m_fileMenu->addAction(QString(), this, &MainWindow::openRun);
  m_openRun->setShortcut(QKeySequence::Open);
  m_openRun->setIcon(actionIcon(QStringLiteral("open-run")));
  m_fileMenu->addSeparator();
  m_openConfig = m_fileMenu->addAction(QString(), this, &MainWindow::openConfiguration);
  m_saveConfig = m_fileMenu->addAction(QString(), this, &MainWindow::saveConfiguration);
  m_saveConfig->setShortcut(QKeySequence::Save);
  m_openConfig->setIcon(actionIcon(QStringLiteral("open-config")));
  m_saveConfig->setIcon(actionIcon(QStringLiteral("save-config")));
  m_fileMenu->addSeparator();
  m_quit = m_fileMenu->addAction(QString(), this, &QWidget::close);
  m_quit->setShortcut(QKeySequence::Quit);
  m_quit->setMenuRole(QAction::QuitRole);

  m_viewMenu = menuBar()->addMenu(QString());
  m_languageMenu = m_viewMenu->addMenu(QString());
  m_languages = new QActionGroup(this);
  // Each language is named in itself, so it can be found whatever language is showing.
  m_english = m_languageMenu->addAction(QStringLiteral("English"));
  m_chinese = m_languageMenu->addAction(QStringLiteral("简体中文"));
  for (QAction* action : {m_english, m_chinese}) {
    action->setCheckable(true);
    m_languages->addAction(action);
  }
  connect(m_english, &QAction::triggered, this, [this] { setLanguage(QString::fromLatin1(kEnglish)); });
  connect(m_chinese, &QAction::triggered, this, [this] { setLanguage(QString::fromLatin1(kChinese)); });

  m_helpMenu = menuBar()->addMenu(QString());
  m_about = m_helpMenu->addAction(QString(), this, &MainWindow::about);
  m_about->setMenuRole(QAction::AboutRole);
  m_about->setIcon(actionIcon(QStringLiteral("about")));
}

void MainWindow::retranslateUi() {
  setWindowTitle(tr("FineTune Studio"));
  m_fileMenu->setTitle(tr("&File"));
  m_openRun->setText(tr("&Open run…"));
  m_openConfig->setText(tr("Open &configuration…"));
  m_saveConfig->setText(tr("&Save configuration…"));
  m_quit->setText(tr("&Quit"));
  m_viewMenu->setTitle(tr("&View"));
  m_languageMenu->setTitle(tr("&Language"));
  m_helpMenu->setTitle(tr("&Help"));
  m_about->setText(tr("&About FineTune Studio"));
  const bool chinese = currentLanguage() == QLatin1String(kChinese);
  m_chinese->setChecked(chinese);
  m_english->setChecked(!chinese);
}

void MainWindow::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) retranslateUi();
  QMainWindow::changeEvent(event);
}

void MainWindow::updateActions() {
  const bool training = m_wizard->isTraining();
  m_openRun->setEnabled(!training);
  m_openConfig->setEnabled(!training);
}

void MainWindow::restoreWindow() {
  QSettings settings;
  const bool restored = restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
  restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
  const QScreen* screen = this->screen();
  if (!screen) {
    if (!restored) resize(kPreferredSize);
    return;
  }
  // The preferred size, or less on a small screen (1366x768, 1280x720): the whole window with
  // its title bar on screen. A geometry saved on a larger monitor shrinks the same way.
  const QRect available = screen->availableGeometry();
  const QSize room = (available.size() - kFrameAllowance).expandedTo(minimumSizeHint());
  if (!restored) {
    const QSize size = kPreferredSize.boundedTo(room);
    resize(size);
    move(available.center() - QPoint(size.width() / 2, size.height() / 2 + kFrameAllowance.height() / 2));
  } else if (!isMaximized() &&
             (width() > room.width() || height() > room.height() || !available.intersects(geometry()))) {
    resize(size().boundedTo(room));
    move(available.topLeft());
  }
}

void MainWindow::openRun() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a run folder"),
                                                        settings::lastFolder(QStringLiteral("run")).isEmpty()
                                                            ? settings::runsDir()
                                                            : settings::lastFolder(QStringLiteral("run")));
  if (dir.isEmpty()) return;
  settings::rememberFolder(QStringLiteral("run"), QFileInfo(dir).absolutePath());
  api::RunHistory history;
  try {
    history = api::readRunHistory(dir.toStdString());
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Open run"), QString::fromStdString(e.what()));
    return;
  }
  m_wizard->showHistory(dir, history);
  if (!history.trainingNow.empty()) {
    QMessageBox::information(this, tr("Open run"),
                             tr("This run is being trained by %1. It can be resumed once that process ends.")
                                 .arg(QString::fromStdString(history.trainingNow)));
    return;
  }
  if (!history.resumable) return;
  const auto answer = QMessageBox::question(
      this, tr("Resume training?"),
      tr("This run stopped after %1 of %2 epochs. Resume training from its last checkpoint?")
          .arg(history.epochs.size())
          .arg(history.config.train.epochs),
      QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
  if (answer == QMessageBox::Yes) m_wizard->resumeRun(dir);
}

void MainWindow::openConfiguration() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open a run configuration"),
                                                    settings::lastFolder(QStringLiteral("config")),
                                                    tr("Run configuration (*.json);;All files (*)"));
  if (path.isEmpty()) return;
  settings::rememberFolder(QStringLiteral("config"), path);
  try {
    auto config = config::loadConfigFile(path.toStdString());
    // The CLI reads a relative runs folder from where it runs; here, from the file's folder.
    const QString runsDir = QString::fromStdString(config.output.runsDir);
    if (QDir::isRelativePath(runsDir))
      config.output.runsDir = QFileInfo(path).dir().absoluteFilePath(runsDir).toStdString();
    m_wizard->setConfig(config);
    statusBar()->showMessage(tr("Loaded %1").arg(path), 5000);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Open configuration"), QString::fromStdString(e.what()));
  }
}

void MainWindow::saveConfiguration() {
  QString path = QFileDialog::getSaveFileName(
      this, tr("Save the run configuration"),
      QDir(settings::lastFolder(QStringLiteral("config"))).filePath(QStringLiteral("run.json")),
      tr("Run configuration (*.json)"));
  if (path.isEmpty()) return;
  if (!path.endsWith(QLatin1String(".json"))) path += QLatin1String(".json");
  settings::rememberFolder(QStringLiteral("config"), path);
  try {
    config::saveConfigFile(m_wizard->currentConfig(), path.toStdString());
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
  } catch (const std::exception& e) {
    QMessageBox::warning(this, tr("Save configuration"), QString::fromStdString(e.what()));
  }
}

void MainWindow::setLanguage(const QString& language) {
  if (!applyLanguage(language)) {
    QMessageBox::warning(this, tr("Language"),
                         tr("The Chinese translation could not be loaded; the studio stays in "
                            "English."));
  }
  settings::setLanguage(currentLanguage());
  retranslateUi();
}

QString MainWindow::aboutText() const {
  const api::BuildInfo build = api::buildInfo();
  const api::MachineInfo machine = api::machineInfo();
  QString cuda;
  if (!machine.cudaDevices.empty()) {
    QStringList devices;
    for (const auto& device : machine.cudaDevices) devices << QString::fromStdString(device).toHtmlEscaped();
    cuda = devices.join(QStringLiteral("<br>"));
  } else if (build.libtorchCuda.empty()) {
    cuda = tr("none: this LibTorch is built for the CPU only (an official CUDA LibTorch trains on "
              "GPUs)");
  } else {
    cuda = tr("none found: check the NVIDIA driver (nvidia-smi)");
  }
  const QString cpuName = QString::fromStdString(machine.cpu).toHtmlEscaped();
  const QString bf16 = QString::fromStdString(machine.bf16);
  const QString cpu = machine.cores == 1
                          ? tr("%1, 1 core, %2").arg(cpuName, bf16)
                          : tr("%1, %2 cores, %3").arg(cpuName, QString::number(machine.cores), bf16);
  const QString libtorch =
      build.libtorchCuda.empty()
          ? tr("%1, CPU only").arg(QString::fromStdString(build.libtorch))
          : tr("%1, CUDA %2")
                .arg(QString::fromStdString(build.libtorch), QString::fromStdString(build.libtorchCuda));
  return tr("<h3>FineTune Studio %1</h3><p>Fine-tunes a pretrained image classifier (ResNet, VGG, MobileNet, "
            "EfficientNet, …) on "
            "your own images: the head is replaced, the backbone is frozen for the first epochs and "
            "then the whole network is fine-tuned.</p><p>Training runs on LibTorch; every run "
            "folder holds its configuration, metrics, checkpoints and exports.</p>")
             .arg(QString::fromStdString(build.version)) +
         tr("<p>Licence: %1. FineTune Studio is free software: you may share and change it under the "
            "terms of the GNU General Public License, version 3 or later. It comes with no "
            "warranty.</p>")
             .arg(QString::fromStdString(build.licence)) +
         tr("<table><tr><td>LibTorch</td><td>%1</td></tr><tr><td>Qt</td><td>%2</td></tr>"
            "<tr><td>OpenCV</td><td>%3</td></tr><tr><td>CPU</td><td>%4</td></tr>"
            "<tr><td>CUDA devices</td><td>%5</td></tr></table>")
             .arg(libtorch, QString::fromLatin1(qVersion()), QString::fromStdString(build.opencv), cpu, cuda);
}

void MainWindow::about() {
  QMessageBox box(this);
  box.setObjectName(QStringLiteral("aboutBox"));
  box.setWindowTitle(tr("About FineTune Studio"));
  box.setIconPixmap(windowIcon().pixmap(64, 64));
  box.setTextFormat(Qt::RichText);
  box.setText(aboutText());
  box.setStandardButtons(QMessageBox::Close);
  box.exec();
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (m_wizard->isTraining()) {
    if (m_closeAfterStop) {  // already stopping: wait for the finished event
      event->ignore();
      return;
    }
    const auto answer = QMessageBox::question(
        this, tr("Stop training?"),
        tr("A training is running. Stop it and close? The last checkpoint is kept, so the run "
           "can be resumed later (File > Open run…)."),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    if (answer != QMessageBox::Yes) {
      event->ignore();
      return;
    }
    m_closeAfterStop = true;
    statusBar()->showMessage(tr("Stopping the training…"));
    m_wizard->controller()->stop();
    event->ignore();  // closes for real once the training has finished
    return;
  }
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState());
  event->accept();
}

}  // namespace ft::ui
