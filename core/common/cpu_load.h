#pragma once
// How busy the rest of the machine is: the CPU time other processes used while we measured,
// from /proc/stat (every process) minus getrusage (this one). Used to say when a timing taken
// on a loaded machine is too slow to trust. Linux only; elsewhere it reads 0.
namespace ft {

class OtherCpuLoad {
 public:
  OtherCpuLoad();  // starts measuring
  // Cores other processes kept busy on average since construction (0 = an idle machine).
  double busyCores() const;

 private:
  double m_wallStart = 0.0;
  double m_allCpuStart = 0.0;
  double m_selfCpuStart = 0.0;
};

}  // namespace ft
