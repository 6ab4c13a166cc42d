// IntrospectSchema: reads the current database's schema from information_schema into a
// SchemaSpec (tables sorted by name, columns in ordinal order, indexes and FKs by name).
#pragma once

#include "db/connection.h"
#include "schema/schema_model.h"

namespace bamort {

Status IntrospectSchema(Connection* conn, SchemaSpec* out);

}  // namespace bamort
