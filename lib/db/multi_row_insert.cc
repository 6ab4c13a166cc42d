#include "db/multi_row_insert.h"

namespace bamort {

MultiRowInsert::MultiRowInsert(Connection* conn, const std::string& table, const std::vector<std::string>& columns,
                               size_t rows_per_statement, size_t max_statement_bytes, const std::string& verb)
    : conn_(conn),
      column_count_(columns.size()),
      rows_per_statement_(rows_per_statement),
      max_statement_bytes_(max_statement_bytes) {
  prefix_ = verb + " INTO " + Connection::QuoteIdentifier(table) + " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) prefix_ += ", ";
    prefix_ += Connection::QuoteIdentifier(columns[i]);
  }
  prefix_ += ") VALUES ";
}

Status MultiRowInsert::Add(const std::vector<Value>& values) {
  if (values.size() != column_count_) {
    return Status::Failed("internal: " + std::to_string(values.size()) + " values for " +
                          std::to_string(column_count_) + " columns");
  }
  sql_ += pending_rows_ == 0 ? prefix_ : ",";
  sql_ += '(';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) sql_ += ',';
    sql_ += conn_->QuoteValue(values[i]);
  }
  sql_ += ')';
  ++pending_rows_;
  if (pending_rows_ >= rows_per_statement_ || sql_.size() >= max_statement_bytes_) return Flush();
  return Status::Ok();
}

MultiRowInsert::~MultiRowInsert() {
  if (sent_rows_ > 0) conn_->FinishSent().ok();
}

Status MultiRowInsert::Flush() {
  if (sent_rows_ > 0) {
    size_t rows = sent_rows_;
    sent_rows_ = 0;
    BAMORT_RETURN_IF_ERROR(conn_->FinishSent());
    rows_written_ += rows;
  }
  if (pending_rows_ == 0) return Status::Ok();
  BAMORT_RETURN_IF_ERROR(conn_->Send(sql_));
  sent_rows_ = pending_rows_;
  pending_rows_ = 0;
  sql_.clear();
  return Status::Ok();
}

Status MultiRowInsert::Finish() {
  BAMORT_RETURN_IF_ERROR(Flush());
  return Flush();  // waits for the last statement
}
}  // namespace bamort
