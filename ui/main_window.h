#pragma once
// The studio's window: the wizard in the middle; File (open a run, open/save a configuration,
// quit), View > Language (English / 简体中文, switched at runtime) and Help. Closing during
// training asks, then stops cleanly (the checkpoint is kept) before the window goes. It opens
// at a size that fits the screen; every page fits 1280x720.
#include <QMainWindow>
#include <QSize>

class QAction;
class QActionGroup;
class QMenu;

namespace ft::ui {

class StudioWizard;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  // The first window's size where the screen has room; a smaller screen gets its available
  // area less kFrameAllowance (the title bar and borders the window manager adds).
  static constexpr QSize kPreferredSize{1280, 820};
  static constexpr QSize kFrameAllowance{16, 40};

  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  StudioWizard* wizard() const { return m_wizard; }
  // Help > About's text: the version, the licence, LibTorch, Qt and OpenCV, the CPU and CUDA devices.
  QString aboutText() const;

 public Q_SLOTS:
  void openRun();
  void openConfiguration();
  void saveConfiguration();
  void setLanguage(const QString& language);  // "en" | "zh_CN"
  void about();

 protected:
  void closeEvent(QCloseEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  void buildMenus();
  void retranslateUi();
  void updateActions();
  void restoreWindow();

  StudioWizard* m_wizard;
  QMenu* m_fileMenu;
  QMenu* m_viewMenu;
  QMenu* m_languageMenu;
  QMenu* m_helpMenu;
  QAction* m_openRun;
  QAction* m_openConfig;
  QAction* m_saveConfig;
  QAction* m_quit;
  QAction* m_english;
  QAction* m_chinese;
  QAction* m_about;
  QActionGroup* m_languages;
  bool m_closeAfterStop = false;
};

}  // namespace ft::ui
