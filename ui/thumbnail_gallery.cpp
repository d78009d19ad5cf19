#include "thumbnail_gallery.h"

#include <QApplication>
#include <QEvent>
#include <QIcon>
#include <QLabel>
#include <QListView>
#include <QPainter>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

#include <algorithm>

#include "background_runner.h"

namespace ft::ui {
namespace {

constexpr int kCellWidth = 176;

// Paints the thumbnail centred at the top and the caption's lines below it, each as wide as the
// cell (the standard delegate wraps an icon view's text to the icon's width and elides the rest).
class CaptionDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;

  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const override {
    return {kCellWidth, ThumbnailGalleryModel::kIconSize + 12 + 2 * option.fontMetrics.height()};
  }

  void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
    QStyleOptionViewItem panel(option);
    initStyleOption(&panel, index);
    panel.text.clear();
    panel.icon = QIcon();
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &panel, painter, widget);

    const QRect r = option.rect;
    const int icon = ThumbnailGalleryModel::kIconSize;
    const QImage image = index.data(Qt::DecorationRole).value<QImage>();
    if (!image.isNull()) {
      const QSize size = image.size().scaled(icon, icon, Qt::KeepAspectRatio);
      painter->drawImage(QRect(r.x() + (r.width() - size.width()) / 2, r.y() + 4 + (icon - size.height()) / 2,
                               size.width(), size.height()),
                         image);
    }
    const QFontMetrics fm(option.font);
    const bool selected = option.state & QStyle::State_Selected;
    painter->setPen(option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    painter->setFont(option.font);
    int y = r.y() + 8 + icon;
    for (const QString& line : index.data(Qt::DisplayRole).toString().split(QLatin1Char('\n'))) {
      const QRect lineRect(r.x() + 2, y, r.width() - 4, fm.height());
      painter->drawText(lineRect, Qt::AlignHCenter | Qt::AlignTop,
                        fm.elidedText(line, Qt::ElideMiddle, lineRect.width()));
      y += fm.height();
    }
  }
};

}  // namespace

QImage toImage(const ft::api::Thumbnail& thumbnail) {
  if (thumbnail.width <= 0 || thumbnail.height <= 0 ||
      thumbnail.rgb.size() < std::size_t(thumbnail.width) * std::size_t(thumbnail.height) * 3)
    return {};
  QImage image(thumbnail.rgb.data(), thumbnail.width, thumbnail.height, thumbnail.width * 3,
               QImage::Format_RGB888);
  return image.copy();  // own the pixels
}

ThumbnailGalleryModel::ThumbnailGalleryModel(QObject* parent) : QAbstractListModel(parent) {
  m_runner = new BackgroundRunner(this);
  m_placeholder = QImage(kIconSize, kIconSize, QImage::Format_RGB32);
  m_placeholder.fill(QColor(232, 234, 238));
}

ThumbnailGalleryModel::~ThumbnailGalleryModel() = default;

void ThumbnailGalleryModel::setSamples(const QString& runDir, const QStringList& classNames,
                                       std::vector<ft::api::SamplePrediction> samples) {
  beginResetModel();
  m_runner->cancel();  // a chunk still decoding belongs to the previous set
  m_runDir = runDir;
  m_classNames = classNames;
  m_samples = std::move(samples);
  m_thumbnails.clear();
  m_rows = 0;
  m_requested = 0;
  m_loadedThumbnails = 0;
  m_loading = false;
  m_error.clear();
  endResetModel();
  if (canFetchMore({})) fetchMore({});
}

int ThumbnailGalleryModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : m_rows; }

QString ThumbnailGalleryModel::className(int index) const {
  return index >= 0 && index < m_classNames.size() ? m_classNames[index] : QString::number(index);
}

QString ThumbnailGalleryModel::caption(int row) const {
  const auto& s = sample(row);
  // Two lines, so that long class names leave the confidence visible.
  return tr("%1 → %2\n(%3%)")
      .arg(className(s.trueClass), className(s.predictedClass))
      .arg(double(s.confidence) * 100.0, 0, 'f', 0);
}

QVariant ThumbnailGalleryModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= m_rows) return {};
  const int row = index.row();
  const auto& s = sample(row);
  switch (role) {
    case Qt::DisplayRole: return caption(row);
    case Qt::DecorationRole: {
      const QImage& image = m_thumbnails[std::size_t(row)];
      return image.isNull() ? m_placeholder : image;
    }
    case Qt::ToolTipRole:
      return tr("Validation image %1\nTrue class: %2 (probability %3%)\nPredicted: %4 (%5%)")
          .arg(s.sampleIndex)
          .arg(className(s.trueClass))
          .arg(double(s.trueProbability) * 100.0, 0, 'f', 1)
          .arg(className(s.predictedClass))
          .arg(double(s.confidence) * 100.0, 0, 'f', 1);
    case Qt::UserRole: return qulonglong(s.sampleIndex);
    default: return {};
  }
}

void ThumbnailGalleryModel::retranslate() {
  if (m_rows > 0) Q_EMIT dataChanged(index(0), index(m_rows - 1), {Qt::DisplayRole, Qt::ToolTipRole});
}

bool ThumbnailGalleryModel::canFetchMore(const QModelIndex& parent) const {
  return !parent.isValid() && m_rows < sampleCount();
}

void ThumbnailGalleryModel::fetchMore(const QModelIndex& parent) {
  if (!canFetchMore(parent)) return;
  const int more = std::min(kChunk, sampleCount() - m_rows);
  beginInsertRows({}, m_rows, m_rows + more - 1);
  m_rows += more;
  m_thumbnails.resize(std::size_t(m_rows));
  endInsertRows();
  if (!m_loading) loadNextChunk();
}

void ThumbnailGalleryModel::loadNextChunk() {
  if (m_requested >= m_rows || !m_error.isEmpty()) {
    m_loading = false;
    return;
  }
  const int first = m_requested;
  const int last = std::min(m_rows, first + kChunk);
  m_requested = last;
  m_loading = true;
  std::vector<std::size_t> indices;
  for (int row = first; row < last; ++row) indices.push_back(sample(row).sampleIndex);
  const std::string runDir = m_runDir.toStdString();
  m_runner->run<QList<QImage>>(
      [runDir, indices] {
        QList<QImage> images;
        for (const auto& thumbnail : ft::api::validationImages(runDir, indices)) {
          const QImage image = toImage(thumbnail);
          // Small images (28 px digits) are enlarged without blurring them.
          images.append(image.isNull()
                            ? image
                            : image.scaled(kIconSize, kIconSize, Qt::KeepAspectRatio,
                                           image.width() < kIconSize / 2 ? Qt::FastTransformation
                                                                         : Qt::SmoothTransformation));
        }
        return images;
      },
      [this, first](const QList<QImage>& images) {
        for (int i = 0; i < images.size() && first + i < m_rows; ++i) {
          m_thumbnails[std::size_t(first + i)] = images[i];
          ++m_loadedThumbnails;
        }
        const int end = std::min(m_rows, first + int(images.size())) - 1;
        if (end >= first) Q_EMIT dataChanged(index(first), index(end), {Qt::DecorationRole});
        Q_EMIT thumbnailsLoaded(m_loadedThumbnails);
        loadNextChunk();
      },
      [this](const QString& message) {
        m_error = message;
        m_loading = false;
        Q_EMIT loadFailed(message);
      });
}

ThumbnailGallery::ThumbnailGallery(QWidget* parent) : QWidget(parent) {
  m_caption = new QLabel;
  m_caption->setWordWrap(true);
  m_error = new QLabel;
  m_error->setWordWrap(true);
  m_error->setStyleSheet(QStringLiteral("color: #c80000;"));
  m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_error->hide();
  m_model = new ThumbnailGalleryModel(this);
  m_view = new QListView;
  m_view->setViewMode(QListView::IconMode);
  m_view->setMovement(QListView::Static);
  m_view->setResizeMode(QListView::Adjust);
  m_view->setUniformItemSizes(true);
  m_view->setIconSize(QSize(ThumbnailGalleryModel::kIconSize, ThumbnailGalleryModel::kIconSize));
  m_view->setItemDelegate(new CaptionDelegate(m_view));
  m_view->setSpacing(4);
  m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_view->setModel(m_model);
  connect(m_model, &ThumbnailGalleryModel::loadFailed, this, [this](const QString& message) {
    m_error->setText(message);
    m_error->show();
  });

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_caption);
  layout->addWidget(m_error);
  layout->addWidget(m_view, 1);
}

void ThumbnailGallery::setSamples(const QString& runDir, const QStringList& classNames,
                                  std::vector<ft::api::SamplePrediction> samples) {
  m_error->hide();
  m_model->setSamples(runDir, classNames, std::move(samples));
  m_view->scrollToTop();
}

void ThumbnailGallery::clear() {
  setSamples({}, {}, {});
  m_caption->clear();
}

void ThumbnailGallery::changeEvent(QEvent* event) {
  if (event->type() == QEvent::LanguageChange) m_model->retranslate();
  QWidget::changeEvent(event);
}

void ThumbnailGallery::setCaption(const QString& text) { m_caption->setText(text); }

QString ThumbnailGallery::caption() const { return m_caption->text(); }

}  // namespace ft::ui
