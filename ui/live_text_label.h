#pragma once
// A one-line label for text that changes many times a second (speed, time left). QLabel::setText
// asks the window to lay itself out again, and the wizard's layout then measures every
// word-wrapped label on every page: profiled at half of the GUI thread's time during training
// (issue 6). This label repaints itself only; it asks for a new layout only when its text
// needs more width than it has ever had.
#include <QString>
#include <QWidget>

namespace ft::ui {

class LiveTextLabel : public QWidget {
  Q_OBJECT

 public:
  explicit LiveTextLabel(QWidget* parent = nullptr);

  void setText(const QString& text);
  QString text() const { return m_text; }

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;
  void changeEvent(QEvent* event) override;

 private:
  QString m_text;
  int m_widestText = 0;  // widest text so far, in pixels: the size hint never shrinks
};

}  // namespace ft::ui
