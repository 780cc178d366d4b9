-- One database per service (architecture: a service never touches another's database).
CREATE DATABASE dvc_gateway;
CREATE DATABASE dvc_catalog;
CREATE DATABASE dvc_intake;
CREATE DATABASE dvc_workflow;
CREATE DATABASE dvc_notify;
CREATE DATABASE dvc_interop;
CREATE DATABASE dvc_portal;
