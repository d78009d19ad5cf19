#include "data_preview_view.h"

#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QTableWidget>
#include <QVBoxLayout>

namespace ft::ui {
namespace {

constexpr int kThumbnailSide = 56;
constexpr int kMaxWarnings = 50;

QPixmap toPixmap(const api::Thumbnail& thumbnail) {
  if (thumbnail.width <= 0 || thumbnail.height <= 0 ||
      thumbnail.rgb.size() < std::size_t(thumbnail.width) * thumbnail.height * 3)
    return {};
  const QImage image(thumbnail.rgb.data(), thumbnail.width, thumbnail.height, thumbnail.width * 3,
                     QImage::Format_RGB888);
  // Small images (28x28) are enlarged to be recognisable; scaled() copies out of `rgb`.
  return QPixmap::fromImage(
      image.scaled(kThumbnailSide, kThumbnailSide, Qt::KeepAspectRatio, Qt::SmoothTransformation));
}

}  // namespace

DataPreviewView::DataPreviewView(QWidget* parent) : QWidget(parent) {
  m_counts = new QLabel(this);
  m_counts->setObjectName(QStringLiteral("dataCounts"));
  m_classes = new QTableWidget(0, 2, this);
  m_classes->setObjectName(QStringLiteral("classTable"));
  m_classes->verticalHeader()->hide();
  m_classes->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  m_classes->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  m_classes->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_classes->setSelectionMode(QAbstractItemView::NoSelection);
  m_classes->setMinimumWidth(260);
  m_classes->setMaximumWidth(380);

  m_samplesTitle = new QLabel(this);
  m_samples = new QListWidget(this);
  m_samples->setObjectName(QStringLiteral("sampleGrid"));
  m_samples->setViewMode(QListView::IconMode);
  m_samples->setIconSize(QSize(kThumbnailSide, kThumbnailSide));
  m_samples->setGridSize(QSize(kThumbnailSide + 40, kThumbnailSide + 28));
  m_samples->setResizeMode(QListView::Adjust);
  m_samples->setMovement(QListView::Static);
  m_samples->setSelectionMode(QAbstractItemView::NoSelection);
  m_samples->setUniformItemSizes(true);
  m_samples->setWordWrap(false);
  m_samples->setTextElideMode(Qt::ElideRight);

  m_warningsTitle = new QLabel(this);
  m_warnings = new QPlainTextEdit(this);
  m_warnings->setObjectName(QStringLiteral("dataWarnings"));
  m_warnings->setReadOnly(true);
  m_warnings->setMaximumHeight(80);

  auto* classesColumn = new QVBoxLayout;
  classesColumn->addWidget(m_counts);
  classesColumn->addWidget(m_classes, 1);
  auto* samplesColumn = new QVBoxLayout;
  samplesColumn->addWidget(m_samplesTitle);
  samplesColumn->addWidget(m_samples, 1);
  auto* top = new QHBoxLayout;
  top->addLayout(classesColumn);
  top->addLayout(samplesColumn, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(top, 1);
  layout->addWidget(m_warningsTitle);
  layout->addWidget(m_warnings);
  retranslateUi();
  clear();
}

void DataPreviewView::showPreview(const api::DataPreview& preview) {
  m_preview = preview;
  m_hasPreview = true;
  const QLocale locale;
  m_classes->setRowCount(int(preview.classes.size()));
  for (int row = 0; row < int(preview.classes.size()); ++row) {
    const auto& c = preview.classes[std::size_t(row)];
    m_classes->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(c.name)));
    auto* count = new QTableWidgetItem(locale.toString(qulonglong(c.images)));
    count->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_classes->setItem(row, 1, count);
  }
  m_samples->clear();
  for (const auto& sample : preview.samples) {
    const auto label = std::size_t(sample.label) < preview.classes.size()
                           ? QString::fromStdString(preview.classes[std::size_t(sample.label)].name)
                           : QString::number(sample.label);
    auto* item = new QListWidgetItem(QIcon(toPixmap(sample)), label, m_samples);
    item->setToolTip(label);
  }
  QStringList warnings;
  for (const auto& w : preview.warnings) {
    if (warnings.size() == kMaxWarnings) break;
    warnings << QString::fromStdString(w);
  }
  m_warnings->setPlainText(warnings.join(QLatin1Char('\n')));
  fillCounts();
}

void DataPreviewView::clear() {
  m_hasPreview = false;
  m_preview = {};
  m_classes->setRowCount(0);
  m_samples->clear();
  m_warnings->clear();
  fillCounts();
}

void DataPreviewView::fillCounts() {
  const QLocale locale;
  if (!m_hasPreview) {
    m_counts->setText(tr("Training images: –   Validation images: –"));
  } else {
    m_counts->setText(tr("Training images: %1   Validation images: %2   Classes: %3")
                          .arg(locale.toString(qulonglong(m_preview.trainImages)),
                               locale.toString(qulonglong(m_preview.validationImages)))
                          .arg(m_preview.classes.size()));
  }
  const auto total = int(m_preview.warnings.size());
  m_warningsTitle->setText(total == 0 ? tr("Warnings: none")
                           : total > kMaxWarnings
                               ? tr("Warnings (%1, the first %2 shown):").arg(total).arg(kMaxWarnings)
                               : tr("Warnings (%1):").arg(total));
  m_warnings->setVisible(total > 0);
}

void DataPreviewView::retranslateUi() {
  m_classes->setHorizontalHeaderLabels({tr("Class"), tr("Training images")});
  m_samplesTitle->setText(tr("Sample images (a seeded draw over every class):"));
  fillCounts();
}

}  // namespace ft::ui
