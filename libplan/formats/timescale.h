// Timescales as plans write them: "Ongoing", "February 2024",
// "Feb 2024 – March 2025", "Sept 2023 - March 2025", "Mar 2023 ongoing".
//
//   TimescaleParse parsed = ParseTimescale("Feb 2024 – March 2025");
//   parsed.timescale.start() == "2024-02", parsed.timescale.end() == "2025-03"
//
// What is read with certainty (no note):
//   "Ongoing", "On-going", "Onwards"       ongoing, no months
//   "February 2024", "Feb 2024", "Sept 2023", "feb. 2024", "1 July 2024",
//   "03/2024", "31/03/2024", "2024-03"      one month: start == end
//   "Feb 2024 – March 2025"                 a range; the separator may be "-",
//                                           "–", "—" or "to"/"until"
//   "Mar 2023 ongoing", "From Mar 2023 onwards", "Mar 2023 +"
//                                           start, ongoing, no end
//   "By March 2024", "Before March 2024"    end only
//   "Q1 2024/25"                            a financial quarter (Q1 = April to
//                                           June 2024, Q4 = January to March
//                                           2025)
// What is read with an assumption (a note says which):
//   "2024"                 the calendar year: 2024-01 to 2024-12
//   "2024/25", "2024-25", "2023-2025"
//                          UK financial years: April of the first year to
//                          March of the last
//   "Q1 2024"              the calendar quarter: 2024-01 to 2024-03
//   "Spring 2024"          meteorological seasons: spring March-May, summer
//                          June-August, autumn September-November, winter
//                          December to February of the next year
//   "Early/Mid/Late 2024"  January-April / May-August / September-December
//   "End of 2024"          2024-12
//   "Mar 24"               a two-digit year is 20yy
//   "Feb – March 2025"     a month without a year takes the other end's year
//   "From April 2024"      ongoing from April 2024
//   "Annually", "Quarterly", "Monthly", "Regularly"
//                          recurring: ongoing, no months
//   "Nov 2023 / Mar 2024", "February 2024 February 2024"
//                          several dates: from the first to the last
// What cannot be read keeps its text, gets no months and a note: "TBC",
// words that are not dates, a month with no year anywhere, a range that ends
// before it starts, years outside 1900-2199.
#ifndef LIBPLAN_FORMATS_TIMESCALE_H_
#define LIBPLAN_FORMATS_TIMESCALE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "prevent/plan/v1/resources.pb.h"

namespace plan {

struct TimescaleParse {
  // text is `text` as written (whitespace collapsed); start, end and ongoing
  // as derived. A single month gives start == end.
  prevent::plan::v1::Timescale timescale;
  // Empty when the text was read with certainty; otherwise what was assumed
  // or why nothing could be derived (the text is still kept).
  std::string note;
};

// Derives months and "ongoing" from a timescale as written. Never fails: text
// it cannot read keeps its text, gets no months, and a note says why. Empty
// (or all-whitespace) text gives an empty timescale and no note. Month names
// are case-insensitive, full or abbreviated ("Sep", "Sept", "September").
// The derived months always satisfy start <= end when both are set.
TimescaleParse ParseTimescale(absl::string_view text);

// Whether an action with `timescale` and `rag` is overdue on `today`: its end
// month is before today's month, it is not ongoing, and it is not complete
// (BLUE). An action with no (or an unreadable) end month is never overdue.
bool IsOverdue(const prevent::plan::v1::Timescale& timescale,
               prevent::plan::v1::Rag rag, absl::CivilDay today);

}  // namespace plan

#endif  // LIBPLAN_FORMATS_TIMESCALE_H_
