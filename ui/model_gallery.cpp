#include "model_gallery.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "api/studio_api.h"
#include "model_card_view.h"

namespace ft::ui {
namespace {

constexpr int kArchitectureRole = Qt::UserRole;
constexpr int kSortRole = Qt::UserRole + 1;

// Sorts by the number behind the text (unmeasured speeds last).
class NumberItem : public QTableWidgetItem {
 public:
  NumberItem(const QString& text, double value) : QTableWidgetItem(text) {
    setData(kSortRole, value);
    setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  }
  bool operator<(const QTableWidgetItem& other) const override {
    return data(kSortRole).toDouble() < other.data(kSortRole).toDouble();
  }
};

}  // namespace

QString speedSummary(const ModelSpeeds::Speed& speed) {
  if (!speed.error.isEmpty()) return ModelGalleryDialog::tr("could not be measured: %1").arg(speed.error);
  const QLocale locale;
  QString text = ModelGalleryDialog::tr("frozen %1 img/s, unfrozen %2 img/s at %3 px, batch %4 (%5)")
                     .arg(locale.toString(speed.frozen, 'f', 0), locale.toString(speed.unfrozen, 'f', 0))
                     .arg(speed.inputSize)
                     .arg(speed.batchSize)
                     .arg(speed.precision);
  if (speed.machineBusy) text += ModelGalleryDialog::tr("; other programs were busy, so it may be faster");
  return text;
}

ModelGalleryDialog::ModelGalleryDialog(ModelSpeeds* speeds, const std::string& current, QWidget* parent)
    : QDialog(parent), m_speeds(speeds) {
  setWindowTitle(tr("Model gallery"));
  m_table = new QTableWidget(this);
  m_table->setObjectName(QStringLiteral("modelGallery"));
  m_table->setColumnCount(ColumnCount);
  m_table->setHorizontalHeaderLabels({tr("Model"), tr("Year"), tr("Parameters (M)"), tr("GMACs at 224 px"),
                                      tr("ImageNet top-1 %"), tr("Weights (MB)"), tr("Frozen img/s"),
                                      tr("Unfrozen img/s")});
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setSectionResizeMode(Model, QHeaderView::Stretch);
  fill();
  m_table->setSortingEnabled(true);
  if (const int row = rowOf(current); row >= 0) m_table->selectRow(row);

  m_status = new QLabel(this);
  m_status->setObjectName(QStringLiteral("galleryStatus"));
  m_status->setWordWrap(true);
  m_measure = new QPushButton(tr("Measure speed on this machine"), this);
  m_measure->setObjectName(QStringLiteral("measureAll"));
  m_measure->setToolTip(tr("Times a few real training batches of each model with your data and input size."));
  m_stop = new QPushButton(tr("Stop measuring"), this);
  m_stop->setObjectName(QStringLiteral("stopMeasuring"));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  m_use = buttons->addButton(tr("Use this model"), QDialogButtonBox::AcceptRole);
  m_use->setObjectName(QStringLiteral("useModel"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_table, &QTableWidget::itemSelectionChanged, this,
          [this] { m_use->setEnabled(!selectedArchitecture().empty()); });
  connect(m_table, &QTableWidget::cellDoubleClicked, this, [this] { accept(); });
  connect(m_measure, &QPushButton::clicked, this, [this] {
    std::vector<std::string> all;
    for (const auto& card : api::modelCards()) all.push_back(card.architecture);
    m_speeds->measure(all);
  });
  connect(m_stop, &QPushButton::clicked, m_speeds, &ModelSpeeds::cancel);
  connect(m_speeds, &ModelSpeeds::changed, this, &ModelGalleryDialog::showSpeeds);

  auto* row = new QHBoxLayout;
  row->addWidget(m_status, 1);
  row->addWidget(m_measure);
  row->addWidget(m_stop);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_table);
  layout->addLayout(row);
  layout->addWidget(buttons);
  m_use->setEnabled(!selectedArchitecture().empty());
  showSpeeds();
  resize(900, 480);
}

void ModelGalleryDialog::fill() {
  const QLocale locale;
  const auto cards = api::modelCards();
  m_table->setRowCount(int(cards.size()));
  for (int row = 0; row < int(cards.size()); ++row) {
    const auto& card = cards[std::size_t(row)];
    auto* name = new QTableWidgetItem(QString::fromStdString(card.displayName));
    name->setData(kArchitectureRole, QString::fromStdString(card.architecture));
    name->setToolTip(QStringLiteral("%1 (%2, %3)\n%4")
                         .arg(QString::fromStdString(card.paper), QString::fromStdString(card.authors))
                         .arg(card.year)
                         .arg(translatedModelText(card.introduced)));
    m_table->setItem(row, Model, name);
    m_table->setItem(row, Year, new NumberItem(QString::number(card.year), card.year));
    m_table->setItem(row, Parameters,
                     new NumberItem(locale.toString(double(card.parameters) / 1e6, 'f', 1),
                                    double(card.parameters)));
    m_table->setItem(row, Gmacs, new NumberItem(locale.toString(card.gmacs, 'f', 2), card.gmacs));
    m_table->setItem(row, Top1, new NumberItem(locale.toString(card.top1, 'f', 1), card.top1));
    m_table->setItem(row, FileSize,
                     new NumberItem(locale.toString(card.fileSizeMB, 'f', 1), card.fileSizeMB));
    m_table->setItem(row, Frozen, new NumberItem(QString(), -1));
    m_table->setItem(row, Unfrozen, new NumberItem(QString(), -1));
  }
}

int ModelGalleryDialog::rowOf(const std::string& architecture) const {
  for (int row = 0; row < m_table->rowCount(); ++row)
    if (m_table->item(row, Model)->data(kArchitectureRole).toString().toStdString() == architecture)
      return row;
  return -1;
}

std::string ModelGalleryDialog::selectedArchitecture() const {
  const auto rows = m_table->selectionModel()->selectedRows();
  if (rows.isEmpty()) return {};
  return m_table->item(rows.front().row(), Model)->data(kArchitectureRole).toString().toStdString();
}

QString ModelGalleryDialog::statusText() const { return m_status->text(); }

void ModelGalleryDialog::showSpeeds() {
  const QLocale locale;
  const bool sorting = m_table->isSortingEnabled();
  m_table->setSortingEnabled(false);  // rows must not move while they are filled
  for (int row = 0; row < m_table->rowCount(); ++row) {
    const std::string architecture =
        m_table->item(row, Model)->data(kArchitectureRole).toString().toStdString();
    const auto speed = m_speeds->speed(architecture);
    QString frozen, unfrozen, tip;
    double frozenValue = -1, unfrozenValue = -1;
    if (architecture == m_speeds->current()) {
      frozen = unfrozen = tr("measuring…");
    } else if (m_speeds->isQueued(architecture)) {
      frozen = unfrozen = tr("waiting");
    } else if (speed && speed->error.isEmpty()) {
      frozen = locale.toString(speed->frozen, 'f', 0);
      unfrozen = locale.toString(speed->unfrozen, 'f', 0);
      frozenValue = speed->frozen;
      unfrozenValue = speed->unfrozen;
      tip = speedSummary(*speed);
    } else if (speed) {
      frozen = unfrozen = tr("failed");
      tip = speedSummary(*speed);
    }
    const auto show = [&](int column, const QString& text, double value) {
      auto* item = m_table->item(row, column);
      item->setText(text);
      item->setData(kSortRole, value);
      item->setToolTip(tip);
    };
    show(Frozen, frozen, frozenValue);
    show(Unfrozen, unfrozen, unfrozenValue);
  }
  m_table->setSortingEnabled(sorting);
  m_measure->setEnabled(!m_speeds->isMeasuring());
  m_stop->setEnabled(m_speeds->isMeasuring() && m_speeds->queued() > 0);
  if (m_speeds->isMeasuring()) {
    QString name = QString::fromStdString(m_speeds->current());
    try {
      name = QString::fromStdString(api::modelCard(m_speeds->current()).displayName);
    } catch (const std::exception&) {
    }
    m_status->setText(
        tr("Timing a few training batches of %1 (%2 more waiting)…").arg(name).arg(m_speeds->queued()));
  } else {
    m_status->setText(tr("Speeds are training images per second on this machine, with your data, input size "
                         "and batch size, backbone frozen and unfrozen."));
  }
}

}  // namespace ft::ui
