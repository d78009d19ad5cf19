#pragma once
// A grid of validation images with "true → predicted (confidence)" under each, in the order
// given (the report's: highest confidence first). Rows are added in chunks as the view scrolls
// (canFetchMore/fetchMore), and each chunk's thumbnails are decoded on a worker thread
// (api::validationImages), so a 10,000-image set neither blocks the GUI thread nor decodes
// images nobody looks at.
#include <QAbstractListModel>
#include <QImage>
#include <QStringList>
#include <QWidget>

#include <vector>

#include "api/results_api.h"

class QLabel;
class QListView;

namespace ft::ui {

class BackgroundRunner;

class ThumbnailGalleryModel : public QAbstractListModel {
  Q_OBJECT
 public:
  static constexpr int kChunk = 120;
  static constexpr int kIconSize = 72;

  explicit ThumbnailGalleryModel(QObject* parent = nullptr);
  ~ThumbnailGalleryModel() override;

  void setSamples(const QString& runDir, const QStringList& classNames,
                  std::vector<ft::api::SamplePrediction> samples);

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool canFetchMore(const QModelIndex& parent) const override;
  void fetchMore(const QModelIndex& parent) override;

  int sampleCount() const { return int(m_samples.size()); }
  const ft::api::SamplePrediction& sample(int row) const { return m_samples[std::size_t(row)]; }
  int thumbnailCount() const { return m_loadedThumbnails; }
  bool isLoading() const { return m_loading; }
  QString errorText() const { return m_error; }
  QString caption(int row) const;
  // Captions and tooltips are built in the current language: views redraw them.
  void retranslate();

 Q_SIGNALS:
  void thumbnailsLoaded(int count);
  void loadFailed(const QString& message);

 private:
  void loadNextChunk();
  QString className(int index) const;

  QString m_runDir;
  QStringList m_classNames;
  std::vector<ft::api::SamplePrediction> m_samples;
  std::vector<QImage> m_thumbnails;  // one per shown row; null until loaded
  int m_rows = 0;                    // rows shown so far
  int m_requested = 0;               // rows whose thumbnails are loaded or loading
  int m_loadedThumbnails = 0;
  bool m_loading = false;
  QString m_error;
  QImage m_placeholder;
  BackgroundRunner* m_runner = nullptr;
};

class ThumbnailGallery : public QWidget {
  Q_OBJECT
 public:
  explicit ThumbnailGallery(QWidget* parent = nullptr);

  // Shows `samples` in this order, with `caption` above them.
  void setSamples(const QString& runDir, const QStringList& classNames,
                  std::vector<ft::api::SamplePrediction> samples);
  void clear();
  void setCaption(const QString& text);
  QString caption() const;

  ThumbnailGalleryModel* model() const { return m_model; }
  QListView* view() const { return m_view; }

 protected:
  void changeEvent(QEvent* event) override;

 private:
  QLabel* m_caption = nullptr;
  QLabel* m_error = nullptr;
  QListView* m_view = nullptr;
  ThumbnailGalleryModel* m_model = nullptr;
};

// Converts an engine thumbnail (8-bit RGB) to an image; exposed for the try-it panel.
QImage toImage(const ft::api::Thumbnail& thumbnail);

}  // namespace ft::ui
