#pragma once
// "Try it": predicts image files with the selected checkpoint of a run. Open images… or drop
// image files on the panel; each image is shown with its five most likely classes as
// probability bars, or with its own error when the file cannot be read. Prediction
// (api::predictWithRun) and decoding the previews run on a worker thread.
#include <QImage>
#include <QStringList>
#include <QWidget>

#include <vector>

#include "api/results_api.h"

class QLabel;
class QMimeData;
class QPushButton;
class QScrollArea;
class QVBoxLayout;

namespace ft::ui {

class BackgroundRunner;

class TryItPanel : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kTopK = 5;

  explicit TryItPanel(QWidget* parent = nullptr);

  void setRun(const QString& runDir, const QString& checkpoint);
  // Predicts these files (the button and a drop end here).
  void predictFiles(const QStringList& files);
  void clearResults();

  bool isBusy() const;
  const std::vector<ft::api::ImagePrediction>& results() const { return m_results; }
  QString statusText() const;
  // The shown rows' texts, for tests: "file: class 93.1%, ..." or "file: error".
  QStringList resultTexts() const;

 Q_SIGNALS:
  void predictionsShown();

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dragMoveEvent(QDragMoveEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  struct Prediction {
    std::vector<ft::api::ImagePrediction> results;
    QList<QImage> previews;
  };
  void retranslateUi();
  void openImages();
  void showResults(const Prediction& prediction);
  void setStatus(const QString& text, bool error);
  QString checkpointName() const;
  static QString imageCount(int n);  // "1 image" / "3 images"
  QStringList localImageFiles(const QMimeData* mime) const;

  QString m_runDir;
  QString m_checkpoint;
  std::vector<ft::api::ImagePrediction> m_results;
  Prediction m_shown;  // redrawn when the language changes
  bool m_haveShown = false;
  QLabel* m_hint = nullptr;
  QLabel* m_status = nullptr;
  QPushButton* m_open = nullptr;
  QScrollArea* m_scroll = nullptr;
  QWidget* m_list = nullptr;
  QVBoxLayout* m_listLayout = nullptr;
  BackgroundRunner* m_runner = nullptr;
};

}  // namespace ft::ui
