#include "live_text_label.h"

#include <QEvent>
#include <QPainter>
#include <QStyle>

namespace ft::ui {

LiveTextLabel::LiveTextLabel(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

void LiveTextLabel::setText(const QString& text) {
  if (text == m_text) return;
  m_text = text;
  const int width = fontMetrics().horizontalAdvance(m_text);
  if (width > m_widestText) {
    m_widestText = width;
    updateGeometry();  // rare: only when the text outgrows every earlier one
  }
  update();
}

QSize LiveTextLabel::sizeHint() const { return {m_widestText, fontMetrics().height()}; }

QSize LiveTextLabel::minimumSizeHint() const { return {0, fontMetrics().height()}; }

void LiveTextLabel::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setPen(palette().color(QPalette::WindowText));
  const QString shown = fontMetrics().elidedText(m_text, Qt::ElideRight, width());
  painter.drawText(rect(), int(Qt::AlignLeft | Qt::AlignVCenter), shown);
}

void LiveTextLabel::changeEvent(QEvent* event) {
  if (event->type() == QEvent::FontChange) {
    m_widestText = fontMetrics().horizontalAdvance(m_text);
    updateGeometry();
  }
  QWidget::changeEvent(event);
}

}  // namespace ft::ui
