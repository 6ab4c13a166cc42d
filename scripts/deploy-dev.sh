#!/usr/bin/env bash
# Deploy to the dev environment: docker/deploy.sh with the settings of ${BAMORT_DEPLOY_ENV_DIR:-/etc/bamort}/dev.env,
# a dry run of the whole deploy first, and a health check after (scripts/deploy-env.sh).
#   scripts/deploy-dev.sh [deploy.sh options] deployment_package_<version>.tar.gz
exec "$(dirname "${BASH_SOURCE[0]}")/deploy-env.sh" dev "$@"
